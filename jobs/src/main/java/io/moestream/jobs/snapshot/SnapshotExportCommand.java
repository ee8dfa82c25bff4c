package io.moestream.jobs.snapshot;

import io.moestream.jobs.cli.SavepointOption;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerSnapshots;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe snapshot export}: reads models out of a savepoint or retained checkpoint (no running
 * job needed) and writes each to {@code --out/<model id>/}: {@code model.safetensors}, {@code
 * manifest.json} and, with {@code --with-trainer-state}, {@code trainer-state.bin}.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Export models from a savepoint or retained checkpoint as safetensors + manifest.json.")
public final class SnapshotExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SavepointOption savepointArg;

  private Path savepoint;

  @Option(
      names = "--model-id",
      paramLabel = "ID",
      description = "Model id to export (repeatable; default: every model in the savepoint).")
  List<String> models = new ArrayList<>();

  /** The name before {@code --model-id} was used everywhere (docs/decisions.md); still works. */
  @Option(
      names = "--model",
      hidden = true,
      paramLabel = "ID",
      description = "Deprecated alias of --model-id.")
  List<String> legacyModels = new ArrayList<>();

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output directory; each model goes to DIR/<model id>/.")
  Path out;

  @Option(
      names = "--with-trainer-state",
      description = "Also write trainer-state.bin (optimizer moments, every slot, RNG, records).")
  boolean withTrainerState;

  @Option(names = "--force", description = "Overwrite model directories that already exist.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    savepoint = localPath(savepointArg.path);
    Set<String> wanted = new LinkedHashSet<>(models);
    wanted.addAll(legacyModels);
    // The models' entries are copied under tmp and read from there: it lives until they are
    // written.
    Path tmp = Files.createTempDirectory("moe-export");
    try {
      SavepointModels.Contents contents = SavepointModels.read(savepoint, wanted, tmp);
      Map<String, SavepointModels.StoredModel> found = contents.models();
      for (String id : wanted) {
        if (!found.containsKey(id)) {
          throw new IllegalArgumentException(
              "model "
                  + id
                  + " is not in "
                  + savepoint
                  + " (it holds: "
                  + (contents.modelIds().isEmpty()
                      ? "none"
                      : String.join(", ", contents.modelIds()))
                  + ")");
        }
      }
      if (found.isEmpty()) {
        throw new IllegalArgumentException(
            savepoint + " holds no model yet (the job had not checkpointed one)");
      }
      for (SavepointModels.StoredModel m : found.values()) {
        Path dir = out.resolve(dirName(m.modelId()));
        if (Files.exists(dir.resolve(Manifest.FILE)) && !force) {
          throw new IllegalArgumentException(dir + " already holds an export (use --force)");
        }
      }
      Instant now = Instant.now();
      for (SavepointModels.StoredModel m : found.values()) {
        Path dir = out.resolve(dirName(m.modelId()));
        try (MoeTrainer t = restore(m, savepoint)) {
          Manifest manifest =
              ModelExport.write(
                  t,
                  m.modelId(),
                  dir,
                  savepoint.toAbsolutePath().toString(),
                  m.cursor().tokens(),
                  withTrainerState,
                  now);
          stdout.println(
              "exported "
                  + m.modelId()
                  + " step="
                  + manifest.step()
                  + " digest="
                  + manifest.digest()
                  + " active="
                  + slots(manifest.activeSlots())
                  + " -> "
                  + dir);
        }
      }
    } finally {
      SavepointFiles.deleteTree(tmp);
    }
    stdout.flush();
    return 0;
  }

  /** The model as a trainer; a damaged entry is reported with the model and the savepoint. */
  static MoeTrainer restore(SavepointModels.StoredModel m, Path savepoint) {
    try {
      return TrainerSnapshots.restore(m.source(), null);
    } catch (SnapshotCodec.CorruptSnapshotException e) {
      // bad input (exit 2), like a savepoint of another job: the named savepoint is not usable
      throw new IllegalArgumentException(
          "model " + m.modelId() + " in " + savepoint + ": " + e.getMessage(), e);
    }
  }

  /** {@code file:/x} (as Flink reports savepoint locations) or a plain path; refuses others. */
  static Path localPath(String location) {
    return SavepointFiles.localPath(location)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "only local savepoints can be exported (file system paths or file: URIs), got "
                        + location));
  }

  /** Active slots per layer, as {@code train --bounded} prints them: {@code 0,1,4|0,2}. */
  static String slots(List<List<Integer>> active) {
    List<String> layers = new ArrayList<>();
    for (List<Integer> l : active) {
      layers.add(String.join(",", l.stream().map(String::valueOf).toList()));
    }
    return String.join("|", layers);
  }

  /**
   * A directory name for a model id: letters, digits, {@code - _ .} stay, every other byte becomes
   * {@code %XX} (ids may contain {@code /}); distinct ids give distinct names.
   */
  static String dirName(String modelId) {
    StringBuilder b = new StringBuilder();
    byte[] bytes = modelId.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int c = bytes[i] & 0xff;
      boolean keep =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || (c == '.' && i > 0);
      b.append(keep ? String.valueOf((char) c) : String.format("%%%02X", c));
    }
    return b.toString();
  }
}
