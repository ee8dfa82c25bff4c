package io.moestream.jobs.kafka;

import io.moestream.moe.data.TextCorpus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe produce}: feeds text files to the streaming job as {@code TokenSequence} records, so a
 * pipeline can be driven from a shell without writing a producer. The work is in {@link
 * CorpusProducer}; this class only maps flags and shows progress.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
      "Tokenize text files (one domain per file) and produce TokenSequence records to Kafka.",
      "Key = model id, value = Avro single-object encoding; an idempotent producer, acks=all."
    })
public final class ProduceCommand implements Callable<Integer> {
  static {
    CliDefaults.trustSchemas();
  }

  @Spec CommandSpec spec;
  @Mixin KafkaClientProps kafka;

  @Option(
      names = "--corpus",
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "Text files, one domain each (named after the file), in order (default: the"
              + " bundled corpus).")
  List<Path> corpus;

  @Option(
      names = "--topic",
      defaultValue = TopicNames.TOKENS,
      description = "Topic to produce to (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--model-id",
      arity = "1..*",
      defaultValue = "demo",
      paramLabel = "ID",
      description = "Model(s) to train on the text; each gets every sequence (default: demo).")
  List<String> modelIds;

  @Option(
      names = "--sequence-tokens",
      defaultValue = "512",
      paramLabel = "N",
      description = "Tokens per record (default: ${DEFAULT-VALUE}).")
  int sequenceTokens;

  @Option(
      names = "--max-tokens-per-domain",
      paramLabel = "N",
      description = "Only the first N tokens of each file (default: all).")
  Long maxTokensPerDomain;

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    CliDefaults.quietKafkaClients();
    TextCorpus text =
        corpus == null || corpus.isEmpty() ? TextCorpus.bundled() : TextCorpus.load(corpus);
    long cap = maxTokensPerDomain == null ? Long.MAX_VALUE : maxTokensPerDomain;
    long planned =
        CorpusProducer.plannedTokens(text, Math.max(1, cap), Math.max(1, modelIds.size()));
    CorpusProducer.Summary summary;
    try (ProgressBar bar = noProgress ? null : bar(planned)) {
      summary =
          CorpusProducer.produce(
              kafka.producer(),
              topic,
              modelIds,
              text,
              sequenceTokens,
              cap,
              bar == null ? null : bar::stepBy);
    }
    spec.commandLine().getOut().println(summary.line());
    spec.commandLine().getOut().flush();
    return 0;
  }

  private static ProgressBar bar(long max) {
    boolean interactive = System.console() != null;
    return new ProgressBarBuilder()
        .setTaskName("produce")
        .setUnit(" tok", 1)
        .setInitialMax(max)
        .setStyle(interactive ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(interactive ? 200 : 5000)
        .setConsumer(
            interactive
                ? new ConsoleProgressBarConsumer(System.err)
                : new ConsoleProgressBarConsumer(System.err, 120))
        .build();
  }
}
