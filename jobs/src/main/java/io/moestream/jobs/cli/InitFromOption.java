package io.moestream.jobs.cli;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.serve.UpcycleSource;
import io.moestream.moe.train.Upcycling;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --init-from DIR}: start new models upcycled from an exported model (sparse upcycling,
 * {@link Upcycling}) instead of from the seed's random draw. One mixin, so {@code train} and {@code
 * train-local} read, check and refuse the directory the same way.
 */
public final class InitFromOption {
  @Option(
      names = "--init-from",
      paramLabel = "DIR",
      description =
          "Start new models upcycled from this exported model (snapshot export, train-local"
              + " --export; dense or MoE): its embeddings, attention, norms and head, every expert"
              + " slot a copy of its FFN, this command's router with fresh gates (default: none).")
  Path dir;

  /** The directory, or null when the option is not given. */
  public Path dir() {
    return dir;
  }

  /**
   * The source read, verified and checked against {@code target}; null without the option.
   *
   * @throws IllegalArgumentException (exit 2) naming the option, for a directory that is not one
   *     readable export or whose model's shapes do not fit {@code target}
   */
  public Upcycling.Source read(ModelConfig target) {
    if (dir == null) {
      return null;
    }
    Upcycling.Source source;
    try {
      source = UpcycleSource.read(dir);
    } catch (IOException e) {
      // a directory this process cannot read is the user's to fix, like a missing one
      throw new IllegalArgumentException("--init-from " + dir + ": cannot read it: " + e, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--init-from " + dir + ": " + e.getMessage(), e);
    }
    try {
      Upcycling.checkFits(source.model(), target);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--init-from " + dir + ": " + e.getMessage(), e);
    }
    return source;
  }

  /** The line a command prints about its init: where the weights come from. */
  public static String describe(Upcycling.Source source) {
    return "init: upcycled from " + source.origin();
  }
}
