package io.moestream.moe.train;

import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads the position-coded {@code meta} payload that builds before the JSON meta ({@link MetaJson})
 * wrote, so their savepoints and snapshot entries keep loading. Read-only: nothing writes this form
 * any more. It grew by appending, and a reader tells the three generations apart by the bytes left
 * after the routing records:
 *
 * <ol>
 *   <li>configs, counters, slots and records only: EvoMoE's settings are {@link
 *       EvoMoeConfig#defaults()}, the spawn threshold 0 and the threshold lr scale 1;
 *   <li>then the EvoMoE section;
 *   <li>then the spawn threshold and the threshold learning-rate scale.
 * </ol>
 */
final class LegacyMetaReader {
  private LegacyMetaReader() {}

  /** {@code in} must end where the payload ends ({@code available()} is what is left). */
  static TrainerMeta read(DataInputStream in) throws IOException {
    int vocab = in.readInt();
    int d = in.readInt();
    int layers = in.readInt();
    int heads = in.readInt();
    int ctx = in.readInt();
    int dFf = in.readInt();
    RouterConfig router = // the EvoMoE section comes last: see below
        new RouterConfig(
            RouterKind.valueOf(in.readUTF()),
            in.readInt(),
            in.readInt(),
            in.readInt(),
            in.readDouble(),
            in.readInt(),
            AuxVariant.valueOf(in.readUTF()),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readLong(),
            EvoMoeConfig.defaults());
    TrainConfig train = // the spawn section comes last: see below
        new TrainConfig(
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readLong(),
            new RecordingWindow(in.readLong(), in.readLong(), in.readLong()),
            SpawnPolicy.valueOf(in.readUTF()),
            0,
            1);
    long step = in.readLong();
    long rng = in.readLong();
    long shared = in.readLong();
    int nl = in.readInt();
    int ns = in.readInt();
    long[][] ages = new long[nl][ns];
    boolean[][] active = new boolean[nl][ns];
    RoutingRecords[] records = new RoutingRecords[nl];
    for (int l = 0; l < nl; l++) {
      for (int s = 0; s < ns; s++) {
        ages[l][s] = in.readLong();
        active[l][s] = in.readBoolean();
      }
      long[] re = new long[ns];
      for (int s = 0; s < ns; s++) {
        re[s] = in.readLong();
      }
      double[] rs = new double[in.readInt()];
      for (int i = 0; i < rs.length; i++) {
        rs[i] = in.readDouble();
      }
      records[l] = new RoutingRecords(re, rs, in.readLong(), in.readLong());
    }
    if (in.available() > 0) { // absent before EvoMoE
      router = router.withEvo(readEvo(in));
    }
    if (in.available() > 0) { // absent before the spawn threshold
      train = train.withSpawnMinUnrouted(in.readDouble()).withThresholdLrScale(in.readDouble());
    }
    ModelConfig model = new ModelConfig(vocab, d, layers, heads, ctx, dFf, router);
    return new TrainerMeta(model, train, step, rng, shared, ages, active, records);
  }

  private static EvoMoeConfig readEvo(DataInputStream in) throws IOException {
    long warmup = in.readLong();
    long evolution = in.readLong();
    int n = in.readInt();
    if (n < 1 || n > 1024) {
      throw new IOException("bad EvoMoE beta range count " + n);
    }
    double[] low = new double[n];
    double[] high = new double[n];
    for (int i = 0; i < n; i++) {
      low[i] = in.readDouble();
      high[i] = in.readDouble();
    }
    return new EvoMoeConfig(
        warmup,
        evolution,
        low,
        high,
        in.readInt(),
        in.readInt(),
        in.readInt(),
        in.readBoolean(),
        in.readBoolean());
  }
}
