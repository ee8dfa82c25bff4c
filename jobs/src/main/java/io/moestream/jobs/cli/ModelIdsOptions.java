package io.moestream.jobs.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** {@code --model-id ID...}: the models that train on the produced stream (key = model id). */
public final class ModelIdsOptions {
  @Option(
      names = "--model-id",
      arity = "1..*",
      defaultValue = "demo",
      paramLabel = "ID",
      description =
          "Model ids to train on the text: each gets every sequence, and the keys spread over the"
              + " trainer's subtasks (default: ${DEFAULT-VALUE}).")
  public List<String> ids;
}
