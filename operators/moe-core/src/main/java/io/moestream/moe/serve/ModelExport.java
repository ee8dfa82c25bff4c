package io.moestream.moe.serve;

import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one model as a directory: {@code model.safetensors} (the tensors inference needs, named as
 * in the model: {@code wte}, {@code layers.0.attn.qkv.weight}, {@code
 * layers.0.moe.gate.sim_matrix}, {@code layers.0.moe.experts.3.w1}, ...), {@code config.json} (the
 * shape under Hugging Face's key names, {@link HfConfig}), optionally {@code trainer-state.bin}
 * (the whole trainer: every slot, AdamW moments and ages, RNG, routing records — to resume training
 * elsewhere), and {@code manifest.json} last, with the checksums of the others. A reader that finds
 * a manifest therefore finds complete files.
 */
public final class ModelExport {
  public static final String TENSORS = "model.safetensors";
  public static final String TRAINER_STATE = "trainer-state.bin";

  private ModelExport() {}

  /**
   * @param source where the model came from (a savepoint path), recorded in the manifest
   * @param tokens tokens the job consumed for this model, or -1
   * @param withTrainerState also write {@link #TRAINER_STATE}
   */
  public static Manifest write(
      MoeTrainer t,
      String modelId,
      Path dir,
      String source,
      long tokens,
      boolean withTrainerState,
      Instant createdAt)
      throws IOException {
    Files.createDirectories(dir);
    // An export over an older one: without its manifest the directory reads as incomplete until
    // the new manifest is written, never as the old model with new files.
    Files.deleteIfExists(dir.resolve(Manifest.FILE));
    boolean[][] active = t.activeSlots();
    List<SafeTensors.Tensor> tensors = new ArrayList<>();
    for (TrainerExport.HostTensor h : TrainerExport.servedTensors(t)) {
      tensors.add(new SafeTensors.Tensor(h.name(), h.shape(), h.values()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("moestream.model_id", modelId);
    meta.put("moestream.step", Long.toString(t.step()));
    meta.put("moestream.layout", "linear weights are (in, out): y = x @ W + b");
    List<List<Integer>> slots = slots(active);
    for (int l = 0; l < slots.size(); l++) {
      meta.put("moestream.active_slots." + l, join(slots.get(l)));
    }
    Map<String, Manifest.FileSum> files = new LinkedHashMap<>();
    SafeTensors.write(dir.resolve(TENSORS), tensors, meta);
    files.put(TENSORS, Checksums.of(dir.resolve(TENSORS)));
    TokenizerSpec tokenizer = TokenizerSpec.byteLevel();
    HfConfig.write(dir, HfConfig.of(t.modelConfig(), tokenizer, slots));
    files.put(HfConfig.FILE, Checksums.of(dir.resolve(HfConfig.FILE)));
    if (withTrainerState) {
      TrainerStateFile.write(dir.resolve(TRAINER_STATE), t);
      files.put(TRAINER_STATE, Checksums.of(dir.resolve(TRAINER_STATE)));
    }
    List<Manifest.Records> records = new ArrayList<>();
    for (RoutingRecords r : TrainerExport.routingRecords(t)) {
      records.add(
          new Manifest.Records(r.activations(), r.unroutedSum(), r.tokens(), r.unroutedTokens()));
    }
    Manifest m =
        new Manifest(
            Manifest.FORMAT,
            Manifest.VERSION,
            modelId,
            t.modelConfig(),
            tokenizer,
            t.trainConfig(),
            t.step(),
            t.digest(),
            tokens,
            slots,
            records,
            source,
            createdAt.toString(),
            files);
    m.write(dir);
    return m;
  }

  /** The whole trainer written by {@code --with-trainer-state}, for {@code TrainerSnapshots}. */
  public static List<SnapshotEntry> readTrainerState(Path dir) throws IOException {
    Manifest m = Manifest.read(dir);
    if (!m.files().containsKey(TRAINER_STATE)) {
      throw new InvalidSnapshotException(
          dir + " was exported without the trainer state (--with-trainer-state)");
    }
    Checksums.verify(dir, Map.of(TRAINER_STATE, m.files().get(TRAINER_STATE)));
    return TrainerStateFile.read(dir.resolve(TRAINER_STATE));
  }

  /** Active slots per layer, ascending, as the manifest lists them. */
  public static List<List<Integer>> slots(boolean[][] active) {
    List<List<Integer>> out = new ArrayList<>();
    for (boolean[] layer : active) {
      List<Integer> s = new ArrayList<>();
      for (int e = 0; e < layer.length; e++) {
        if (layer[e]) {
          s.add(e);
        }
      }
      out.add(s);
    }
    return out;
  }

  private static String join(List<Integer> xs) {
    return String.join(",", xs.stream().map(String::valueOf).toList());
  }
}
