package io.moestream.moe.serve;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of an exported model: what the model is (id, every hyper-parameter, step,
 * active expert slots per layer, routing records), where it came from (the savepoint, the trainer's
 * digest, tokens consumed, creation time), and the sha256 and size of every other file in the
 * directory. Unknown fields are ignored on reading, so later versions may add fields.
 *
 * <p>Versions: 1 (the first), 2 adds {@code tokenizer} and writes {@link HfConfig#FILE} beside the
 * weights (listed in {@code files} like every other file). This build reads both: a v1 export has
 * no tokenizer block ({@link #tokenizer()} null; its model was tokenized by the same byte-level
 * tokenizer, the only one there has been) and no {@code config.json}.
 *
 * @param format always {@link #FORMAT}
 * @param formatVersion {@link #VERSION} when written; a reader refuses versions it does not know
 * @param modelId the model's id (the job's key)
 * @param model the model's shape and router
 * @param tokenizer how text becomes the model's ids (v2 on; null in a v1 manifest)
 * @param train optimizer, seed, recording window, spawn policy
 * @param step training steps taken
 * @param digest {@code MoeTrainer.digest()} of the source model (what {@code train --bounded}
 *     prints), to tell two snapshots of one model apart without comparing tensors
 * @param tokens tokens the job consumed for this model (-1 when unknown)
 * @param activeSlots per MoE layer, the active expert slots in ascending order
 * @param routingRecords per MoE layer, the routing records of the current recording window
 * @param source the savepoint or checkpoint the model was read from
 * @param createdAt ISO-8601 instant of the export
 * @param files every other file of the directory by name
 */
public record Manifest(
    String format,
    int formatVersion,
    String modelId,
    ModelConfig model,
    TokenizerSpec tokenizer,
    TrainConfig train,
    long step,
    String digest,
    long tokens,
    List<List<Integer>> activeSlots,
    List<Records> routingRecords,
    String source,
    String createdAt,
    Map<String, FileSum> files) {
  public static final String FORMAT = "moestream-model";
  public static final int VERSION = 2;

  /** The versions this build reads: every one written so far. */
  public static final java.util.Set<Integer> READABLE = java.util.Set.of(1, 2);

  public static final String FILE = "manifest.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * One MoE layer's routing records (DESIGN §2.1).
   *
   * @param activations R_E: tokens that activated each slot in the current window
   * @param unroutedSum R_S: sum of the inputs of tokens no expert took
   * @param tokens tokens recorded in the window
   * @param unroutedTokens of them, tokens with k = 0
   */
  public record Records(
      long[] activations, double[] unroutedSum, long tokens, long unroutedTokens) {}

  /**
   * @param sha256 lowercase hex SHA-256 of the file's bytes
   * @param bytes the file's size
   */
  public record FileSum(String sha256, long bytes) {}

  /** This manifest with other active slots (for tools and tests that build a variant). */
  public Manifest withActiveSlots(List<List<Integer>> slots) {
    return new Manifest(
        format,
        formatVersion,
        modelId,
        model,
        tokenizer,
        train,
        step,
        digest,
        tokens,
        slots,
        routingRecords,
        source,
        createdAt,
        files);
  }

  /** This manifest with other file checksums. */
  public Manifest withFiles(Map<String, FileSum> sums) {
    return new Manifest(
        format,
        formatVersion,
        modelId,
        model,
        tokenizer,
        train,
        step,
        digest,
        tokens,
        activeSlots,
        routingRecords,
        source,
        createdAt,
        sums);
  }

  public void write(Path dir) throws IOException {
    JSON.writeValue(dir.resolve(FILE).toFile(), this);
  }

  /**
   * The model directories under {@code dir}: {@code dir} itself when it holds a manifest (one
   * exported model), else its subdirectories that do (the output of one {@code snapshot export}).
   */
  public static List<Path> modelDirs(Path dir) throws IOException {
    if (Files.isRegularFile(dir.resolve(FILE))) {
      return List.of(dir);
    }
    if (!Files.isDirectory(dir)) {
      throw new InvalidSnapshotException(dir + " is not a directory");
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      List<Path> found = s.filter(p -> Files.isRegularFile(p.resolve(FILE))).sorted().toList();
      if (found.isEmpty()) {
        throw new InvalidSnapshotException(
            "no " + FILE + " in " + dir + " or its subdirectories (not an exported snapshot)");
      }
      return found;
    }
  }

  /** Reads {@code dir/manifest.json}; a missing or unreadable manifest is an invalid snapshot. */
  public static Manifest read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    Manifest m;
    try {
      m = JSON.readValue(Files.readAllBytes(file), Manifest.class);
    } catch (NoSuchFileException e) {
      throw new InvalidSnapshotException(
          "no " + FILE + " in " + dir + " (not an exported model directory)");
    } catch (IOException e) {
      throw new InvalidSnapshotException(
          file + " is unreadable: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
          e);
    } catch (IllegalArgumentException e) { // a config record refused a value
      throw new InvalidSnapshotException(file + " holds an invalid config: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(m.format()) || !READABLE.contains(m.formatVersion())) {
      throw new InvalidSnapshotException(
          file
              + " is format "
              + m.format()
              + " v"
              + m.formatVersion()
              + "; this build reads "
              + FORMAT
              + " v1 to v"
              + VERSION);
    }
    if (m.model() == null || m.train() == null || m.activeSlots() == null || m.files() == null) {
      throw new InvalidSnapshotException(file + " lacks model, train, activeSlots or files");
    }
    if (m.formatVersion() >= 2 && m.tokenizer() == null) {
      throw new InvalidSnapshotException(file + " (v" + m.formatVersion() + ") lacks tokenizer");
    }
    return m;
  }
}
