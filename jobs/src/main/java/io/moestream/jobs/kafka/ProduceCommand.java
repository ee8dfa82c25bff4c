package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.CorpusOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.jobs.cli.ModelIdsOptions;
import io.moestream.jobs.cli.TimeoutOption;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.moe.data.TextCorpus;
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

  /** The producer's wait for metadata and buffer space (max.block.ms), so no answer is no hang. */
  @Mixin TimeoutOption timeout = new TimeoutOption(30);

  @Mixin CorpusOptions corpus;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.TOKENS,
      description = "Topic to produce to (default: ${DEFAULT-VALUE}).")
  String topic;

  @Mixin ModelIdsOptions modelIds;

  @Option(
      names = "--sequence-tokens",
      defaultValue = "512",
      paramLabel = "N",
      description = "Tokens per record (default: ${DEFAULT-VALUE}).")
  int sequenceTokens;

  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions();

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    CliDefaults.quietKafkaClients();
    TextCorpus text = corpus.load();
    long cap = tokensPerDomain.tokens();
    long planned =
        CorpusProducer.plannedTokens(text, Math.max(1, cap), Math.max(1, modelIds.ids.size()));
    CorpusProducer.Summary summary;
    try (ProgressBar bar = noProgress ? null : bar(planned)) {
      summary =
          CorpusProducer.produce(
              kafka.within(timeout.timeout()).producer(),
              topic,
              modelIds.ids,
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
