package io.moestream.jobs.stream;

import io.moestream.jobs.snapshot.SavepointFiles;
import io.moestream.jobs.snapshot.SavepointModels;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RestoreCompatibility;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.TrainerSnapshots;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * Refuses the run unless the models stored at {@code recovery} were built with {@code model} and
   * {@code train}, and prints which state the run starts from. Reads the model ids first (no model
   * entries), then one model whole: every model of a job is built from the job's settings, and
   * reading them all would hold the whole state in this process's heap. A model of other settings
   * that slipped in anyway is still refused by the trainer when it opens. A path on a remote file
   * system is left to Flink (and to the trainer's check).
   */
  static void models(
      String recovery, ModelConfig model, TrainConfig train, Path tmp, PrintWriter out)
      throws Exception {
    Optional<Path> local = SavepointFiles.localPath(recovery);
    if (local.isEmpty()) {
      return;
    }
    // The reader's files (Flink's local job, the model's entries copied out of the state) go to a
    // directory of their own, removed once the settings are known: a model's entries are as large
    // as the model.
    Path read = Files.createTempDirectory(Files.createDirectories(tmp), "moe-restore-check");
    Set<String> ids;
    String checked = "";
    try {
      ids = SavepointModels.read(local.get(), Set.of(NO_MODEL), read).modelIds();
      if (!ids.isEmpty()) {
        String first = ids.iterator().next();
        SavepointModels.StoredModel m =
            SavepointModels.read(local.get(), Set.of(first), read).models().get(first);
        if (m != null) {
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
          checked = "; settings match (" + first + " at step " + m.cursor().steps() + ")";
        }
      }
    } finally {
      SavepointFiles.deleteTree(read);
    }
    out.println(
        "restore from "
            + local.get()
            + ": "
            + ids.size()
            + " model(s) "
            + String.join(" ", ids)
            + checked);
    out.flush();
  }

  /** A key no model has: reads every model id and no model entry. */
  private static final String NO_MODEL = "\u0000";

  private static TrainerSnapshots.StoredConfig storedConfig(SavepointModels.StoredModel m) {
    if (!m.chunks().containsKey("meta")) {
      throw new IllegalArgumentException(
          "model " + m.modelId() + " has no meta entry in its state");
    }
    return TrainerSnapshots.storedConfig(m.source());
  }
}
