package io.moestream.jobs.snapshot;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.moe.serve.Inference;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.MoeModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe infer}: loads an exported model (checksums verified) and prints the loss and
 * perplexity of a text, then per token which experts each MoE layer ran (DynMoE in inference: a
 * token no expert claims takes the best active one, so k >= 1).
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description =
        "Score a text with an exported model: loss, perplexity, and the experts each token used.")
public final class InferCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--snapshot",
      required = true,
      paramLabel = "DIR",
      description = "An exported model directory (or an export root holding one model).")
  Path snapshot;

  @ArgGroup(multiplicity = "1")
  Input input;

  static final class Input {
    @Option(names = "--text", paramLabel = "TEXT", description = "The text to score (UTF-8).")
    String text;

    @Option(names = "--file", paramLabel = "FILE", description = "Score this file's text.")
    Path file;
  }

  @Option(
      names = "--routes",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Print the experts of every token (default); --no-routes: only the totals.")
  boolean routes;

  @Option(
      names = "--json",
      description =
          "One JSON object instead of text: modelId, step, loss and perplexity at full precision,"
              + " scored tokens, avg k per layer, and (unless --no-routes) every token's experts.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (input.file != null && !Files.isRegularFile(input.file)) {
      throw new IllegalArgumentException("--file " + input.file + ": no such file");
    }
    List<Path> dirs = Manifest.modelDirs(snapshot);
    if (dirs.size() > 1) {
      throw new IllegalArgumentException(
          snapshot
              + " holds "
              + dirs.size()
              + " models: pass one model's directory ("
              + String.join(", ", dirs.stream().map(d -> d.getFileName().toString()).toList())
              + ")");
    }
    String text = input.text != null ? input.text : Files.readString(input.file);
    int[] tokens = new ByteTokenizer().encode(text);
    PrintWriter out = spec.commandLine().getOut();
    try (MoeModel model = MoeModel.load(dirs.get(0))) {
      Manifest m = model.manifest();
      Inference r = model.score(tokens);
      ModelConfig c = m.model();
      if (json) {
        out.println(InferJson.of(m, r, routes));
        out.flush();
        return 0;
      }
      out.printf(
          Locale.ROOT,
          "model %s step %d (%s, d=%d, %d layers, ctx %d) from %s%n",
          m.modelId(),
          m.step(),
          c.router().kind().cliName(),
          c.dModel(),
          c.layers(),
          c.ctx(),
          m.source());
      out.printf(
          Locale.ROOT,
          "loss %.4f nats/token, perplexity %.3f over %d predicted tokens%n",
          r.loss(),
          r.perplexity(),
          r.scored());
      StringBuilder avg = new StringBuilder("avg k per layer:");
      double[] k = InferJson.averageK(r, c.layers());
      for (int l = 0; l < c.layers(); l++) {
        avg.append(String.format(Locale.ROOT, " %d: %.2f", l, k[l]));
      }
      out.println(avg);
      if (routes) {
        for (Inference.TokenRoute t : r.routes()) {
          StringBuilder b = new StringBuilder();
          b.append(String.format(Locale.ROOT, "%5d %-8s", t.position(), show(t.token())));
          for (int l = 0; l < c.layers(); l++) {
            b.append(String.format(Locale.ROOT, "  L%d k=%d %s", l, t.k(l), slots(t.experts()[l])));
          }
          out.println(b);
        }
      }
    }
    out.flush();
    return 0;
  }

  private static String slots(int[] experts) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < experts.length; i++) {
      b.append(i == 0 ? "" : ",").append(experts[i]);
    }
    return b.append(']').toString();
  }

  /** A token as a person reads it: the printable byte in quotes, else its id. */
  private static String show(int token) {
    if (token >= 0x21 && token < 0x7f) {
      return "'" + (char) token + "'";
    }
    return token == ' ' ? "' '" : "#" + token;
  }
}
