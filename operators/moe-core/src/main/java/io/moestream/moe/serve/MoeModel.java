package io.moestream.moe.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.moe.model.CausalLm;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.Routers;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An exported model loaded for inference: {@code MoeModel.load(dir)} verifies every checksum in the
 * manifest, reads {@code model.safetensors} and builds the same {@link CausalLm} the trainer runs,
 * in inference mode (DynMoE: a token no expert claims takes the single best active expert, DESIGN
 * §2.1). Same device and same tensors give the same outputs as the trainer's {@code evaluate}. Not
 * thread-safe; close it to free the tensors.
 */
public final class MoeModel implements AutoCloseable {
  private final Manifest manifest;
  private final NDManager root;
  private final ParameterStore store;
  private final RecordingRouter router;
  private final CausalLm lm;
  private final boolean[][] active;

  private MoeModel(Manifest manifest, SafeTensors.Contents tensors) {
    this.manifest = manifest;
    ModelConfig c = manifest.model();
    this.root = NDManager.newBaseManager();
    this.store = new ParameterStore(root.newSubManager());
    this.router = new RecordingRouter(Routers.create(c.router()));
    this.lm = new CausalLm(c, router);
    this.active = new boolean[c.layers()][router.slots()];
    try {
      if (manifest.activeSlots().size() != c.layers()) {
        throw new InvalidSnapshotException("manifest has active slots for a different layer count");
      }
      for (int l = 0; l < c.layers(); l++) {
        for (int s : manifest.activeSlots().get(l)) {
          if (s < 0 || s >= active[l].length) {
            throw new InvalidSnapshotException("manifest lists slot " + s + " of layer " + l);
          }
          active[l][s] = true;
        }
      }
      // Registers every tensor the model has (values drawn from the seed), then overwrites each one
      // the file holds; free slots keep their draw and are never routed to.
      ModelInit.register(c, router, store, new Rng(manifest.train().seed()));
      assign(tensors.tensors());
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Loads and verifies an exported model directory. */
  public static MoeModel load(Path dir) throws IOException {
    Manifest m = Manifest.read(dir);
    if (!m.files().containsKey(ModelExport.TENSORS)) {
      throw new InvalidSnapshotException(Manifest.FILE + " does not list " + ModelExport.TENSORS);
    }
    Checksums.verify(dir, m.files());
    return new MoeModel(m, SafeTensors.read(dir.resolve(ModelExport.TENSORS)));
  }

  private void assign(Map<String, SafeTensors.Tensor> file) {
    Set<String> used = new HashSet<>();
    for (Param p : store.all()) {
      boolean needed = !p.isExpertSlot() || active[p.layer()][p.slot()];
      SafeTensors.Tensor t = file.get(p.name());
      if (t == null) {
        if (needed) {
          throw new InvalidSnapshotException(ModelExport.TENSORS + " lacks tensor " + p.name());
        }
        continue;
      }
      long[] want = p.value().getShape().getShape();
      if (!Arrays.equals(want, t.shape())) {
        throw new InvalidSnapshotException(
            p.name()
                + " has shape "
                + Arrays.toString(t.shape())
                + ", the manifest's model "
                + Arrays.toString(want));
      }
      store.assign(p.name(), t.data());
      used.add(p.name());
    }
    for (String name : file.keySet()) {
      if (!used.contains(name)) {
        throw new InvalidSnapshotException(
            ModelExport.TENSORS + " holds " + name + ", which the manifest's model does not have");
      }
    }
  }

  public Manifest manifest() {
    return manifest;
  }

  /**
   * Mean next-token loss of one (B, T+1) batch, computed exactly as {@code MoeTrainer.evaluate}.
   */
  public double loss(int[][] batch) {
    return forward(batch).loss();
  }

  /** Scores UTF-8 text tokenized by {@link ByteTokenizer} (no BOS/EOS added). */
  public Inference score(String text) {
    return score(new ByteTokenizer().encode(text));
  }

  /**
   * Scores {@code tokens} in consecutive windows of up to ctx + 1 tokens (each window's last token
   * is the next window's first), so every target is predicted once with as much context as the
   * model's context length allows.
   */
  public Inference score(int[] tokens) {
    if (tokens.length < 2) {
      throw new IllegalArgumentException("need at least 2 tokens to score, got " + tokens.length);
    }
    int ctx = manifest.model().ctx();
    double sum = 0;
    List<Inference.TokenRoute> routes = new ArrayList<>();
    for (int start = 0; start < tokens.length - 1; start += ctx) {
      int[] window = Arrays.copyOfRange(tokens, start, Math.min(start + ctx + 1, tokens.length));
      Inference part = forward(new int[][] {window});
      sum += part.loss() * part.scored();
      for (Inference.TokenRoute r : part.routes()) {
        routes.add(new Inference.TokenRoute(start + r.position(), r.token(), r.experts()));
      }
    }
    return new Inference(sum / (tokens.length - 1), tokens.length - 1, routes);
  }

  private Inference forward(int[][] batch) {
    router.take();
    double loss;
    try (NDScope scope = new NDScope();
        NDManager m = root.newSubManager()) {
      CausalLm.Forward f =
          Autograd.noGrad(() -> lm.forward(m, store, batch, active, false, manifest.step(), null));
      loss = DeviceReads.scalar(f.task());
    }
    List<float[]> perLayer = router.take();
    int t = batch[0].length - 1;
    List<Inference.TokenRoute> routes = new ArrayList<>();
    for (int b = 0; b < batch.length; b++) {
      for (int i = 0; i < t; i++) {
        int[][] experts = new int[perLayer.size()][];
        for (int l = 0; l < experts.length; l++) {
          int row = b * t + i;
          float[] sel = perLayer.get(l);
          int e = sel.length / (batch.length * t); // the router's selection width
          experts[l] =
              java.util.stream.IntStream.range(0, e).filter(j -> sel[row * e + j] > 0).toArray();
        }
        routes.add(new Inference.TokenRoute(i, batch[b][i], experts));
      }
    }
    return new Inference(loss, batch.length * t, routes);
  }

  @Override
  public void close() {
    store.close();
    root.close();
  }
}
