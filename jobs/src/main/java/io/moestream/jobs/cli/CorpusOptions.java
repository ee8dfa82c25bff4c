package io.moestream.jobs.cli;

import io.moestream.moe.data.TextCorpus;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --corpus FILE...}: the text every training and producing command reads, one domain per
 * file in the order given; without it the bundled corpus.
 */
public final class CorpusOptions {
  @Option(
      names = "--corpus",
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "Text files, one domain each (named after the file), in stream order (default: the"
              + " bundled english-prose, source-code, german-prose, french-prose).")
  List<Path> files;

  /** The files given, or null for the bundled corpus (what {@code LocalRun} expects). */
  public List<Path> files() {
    return files == null || files.isEmpty() ? null : files;
  }

  /** The corpus to read: the files given, else the bundled one. */
  public TextCorpus load() {
    List<Path> given = files();
    return given == null ? TextCorpus.bundled() : TextCorpus.load(given);
  }
}
