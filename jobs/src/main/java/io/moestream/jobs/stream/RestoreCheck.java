package io.moestream.jobs.stream;

import io.moestream.jobs.snapshot.SavepointModels;
import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RestoreCompatibility;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.TrainerSnapshots;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code train} checks about its starting state before any job starts, so a restore that
 * cannot work is one line in seconds instead of a stack trace after the cluster started (or a job
 * that restarts until its attempts run out):
 *
 * <ul>
 *   <li>{@code --resume} finds a retained checkpoint, and is not combined with {@code
 *       --from-savepoint};
 *   <li>without either, the work directory holds no checkpoint of an earlier run (a fresh start
 *       there is refused unless {@code --fresh}: it would leave two runs' checkpoints for a later
 *       {@code --resume} to choose from);
 *   <li>the savepoint or checkpoint exists, is one of this job, and its models were built with the
 *       settings of this run ({@link RestoreCompatibility}).
 * </ul>
 */
final class RestoreCheck {
  private RestoreCheck() {}

  /** The savepoint or checkpoint this run starts from, or null for a fresh start. */
  static String recoveryPath(Path workDir, boolean resume, String fromSavepoint, boolean fresh) {
    Path checkpoints = workDir.resolve("checkpoints");
    if (resume && fromSavepoint != null) {
      throw new IllegalArgumentException(
          "--resume and --from-savepoint exclude each other: --resume starts from the newest"
              + " checkpoint in --work-dir, --from-savepoint from the given one");
    }
    if (fresh && (resume || fromSavepoint != null)) {
      throw new IllegalArgumentException(
          "--fresh starts new models: it excludes --resume and --from-savepoint");
    }
    if (resume) {
      return RetainedCheckpoints.latest(checkpoints)
          .map(Path::toString)
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "--resume: no retained checkpoint under " + checkpoints));
    }
    return fromSavepoint;
  }

  /**
   * Refuses a fresh start in a work directory that holds retained checkpoints of an earlier run (a
   * killed or failed one): most likely {@code --resume} was forgotten, and a later {@code --resume}
   * would otherwise pick whichever run checkpointed last.
   */
  static void noEarlierCheckpoints(Path workDir) {
    Path checkpoints = workDir.resolve("checkpoints");
    Optional<Path> earlier = RetainedCheckpoints.latest(checkpoints);
    if (earlier.isPresent()) {
      throw new IllegalArgumentException(
          checkpoints
              + " holds checkpoints of an earlier run (newest: "
              + earlier.get()
              + "): pass --resume to continue from it, --fresh to start new models anyway, or"
              + " use another --work-dir");
    }
  }

  /**
   * Reads the models stored at {@code recovery} and refuses the run unless each was built with
   * {@code model} and {@code train}; prints which state the run starts from and the models' steps.
   * A path on a remote file system is left to Flink (and to the trainer's own check).
   */
  static void models(
      String recovery, ModelConfig model, TrainConfig train, Path tmp, PrintWriter out)
      throws Exception {
    Optional<Path> local = localPath(recovery);
    if (local.isEmpty()) {
      return;
    }
    SavepointModels.Contents contents = SavepointModels.read(local.get(), Set.of(), tmp);
    List<String> steps = new ArrayList<>();
    for (SavepointModels.StoredModel m : contents.models().values()) {
      TrainerSnapshots.StoredConfig stored = storedConfig(m);
      Optional<String> mismatch =
          RestoreCompatibility.mismatch(
              "the models in " + local.get() + " were",
              "this run has",
              stored.model(),
              stored.train(),
              model,
              train);
      if (mismatch.isPresent()) {
        throw new IllegalArgumentException(mismatch.get());
      }
      steps.add(m.modelId() + "@" + m.cursor().steps());
    }
    out.println(
        "restore from "
            + local.get()
            + ": "
            + steps.size()
            + " model(s)"
            + (steps.isEmpty() ? "" : " " + String.join(" ", steps)));
    out.flush();
  }

  private static TrainerSnapshots.StoredConfig storedConfig(SavepointModels.StoredModel m) {
    for (SnapshotEntry e : m.entries()) {
      if (e.key().equals("meta")) {
        return TrainerSnapshots.storedConfig(e.bytes());
      }
    }
    throw new IllegalArgumentException("model " + m.modelId() + " has no meta entry in its state");
  }

  /**
   * The local path of {@code location} (a path or a {@code file:} URI); empty for other schemes.
   */
  static Optional<Path> localPath(String location) {
    if (location.startsWith("file:")) {
      return Optional.of(Path.of(URI.create(location)));
    }
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+://.*")) {
      return Optional.empty();
    }
    return Optional.of(Path.of(location));
  }
}
