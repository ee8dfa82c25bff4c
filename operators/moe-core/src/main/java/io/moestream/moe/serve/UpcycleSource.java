package io.moestream.moe.serve;

import ai.djl.Device;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.Upcycling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an exported model directory ({@link ModelExport}: manifest v1 or v2 and {@code
 * model.safetensors}) as an {@link Upcycling.Source}, and builds upcycled trainers from it — what
 * {@code --init-from} and the benchmarks call.
 */
public final class UpcycleSource {
  private UpcycleSource() {}

  /**
   * A new trainer of {@code model}'s shape and router upcycled from the exported model in {@code
   * exportDir} (see {@link Upcycling}).
   *
   * @param device where it trains; null for the engine's default
   * @throws InvalidSnapshotException (an {@link IllegalArgumentException}) for a directory that is
   *     not a readable export; {@link IllegalArgumentException} for shapes that do not fit
   */
  public static MoeTrainer trainer(
      ModelConfig model, TrainConfig train, Path exportDir, Device device) throws IOException {
    return Upcycling.create(model, train, read(exportDir), device);
  }

  /** {@link #read(Path, String)} accepting any weights. */
  public static Upcycling.Source read(Path dir) throws IOException {
    return read(dir, null);
  }

  /**
   * Reads and verifies the exported model in {@code dir} (or in the one model directory under it,
   * as {@code snapshot export --out} writes it).
   *
   * @param expectedSha256 the sha256 its {@code model.safetensors} must have (what the job's client
   *     read, so that a restart elsewhere builds the same model), or null for any
   * @throws InvalidSnapshotException when {@code dir} is not a readable export, holds several
   *     models, its weights do not match their checksum, or not the expected weights
   */
  public static Upcycling.Source read(Path dir, String expectedSha256) throws IOException {
    List<Path> dirs = Manifest.modelDirs(dir);
    if (dirs.size() > 1) {
      throw new InvalidSnapshotException(
          dir
              + " holds "
              + dirs.size()
              + " exported models: name one model's directory ("
              + String.join(", ", dirs.stream().map(d -> d.getFileName().toString()).toList())
              + ")");
    }
    Path model = dirs.get(0);
    Manifest m = Manifest.read(model);
    Manifest.FileSum weights = m.files().get(ModelExport.TENSORS);
    if (weights == null) {
      throw new InvalidSnapshotException(Manifest.FILE + " does not list " + ModelExport.TENSORS);
    }
    Checksums.verify(model, Map.of(ModelExport.TENSORS, weights));
    if (expectedSha256 != null && !expectedSha256.equals(weights.sha256())) {
      throw new InvalidSnapshotException(
          model
              + " holds other weights than when the job started (sha256 "
              + weights.sha256()
              + ", expected "
              + expectedSha256
              + "): it was exported again");
    }
    SafeTensors.Contents c = SafeTensors.read(model.resolve(ModelExport.TENSORS));
    Map<String, float[]> tensors = new LinkedHashMap<>();
    c.tensors().forEach((name, t) -> tensors.put(name, t.data()));
    String origin =
        model.toAbsolutePath()
            + " (model "
            + m.modelId()
            + ", "
            + m.model().router().kind().cliName()
            + ", step "
            + m.step()
            + ", digest "
            + (m.digest() == null
                ? "?"
                : m.digest().substring(0, Math.min(12, m.digest().length())))
            + ")";
    try {
      return new Upcycling.Source(m.model(), m.activeSlots(), tensors, origin, weights.sha256());
    } catch (IllegalArgumentException e) {
      throw new InvalidSnapshotException(model + ": " + e.getMessage(), e);
    }
  }
}
