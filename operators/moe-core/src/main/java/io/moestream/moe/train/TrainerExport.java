package io.moestream.moe.train;

import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Param;
import java.util.ArrayList;
import java.util.List;

/**
 * Read-only views of a trainer for exporting a served model: the tensors a model needs for
 * inference (shared tensors and the experts of active slots, not optimizer moments, not free or
 * pruned slots) and the routing records. Lives in this package so {@link MoeTrainer} needs no
 * public accessor to its parameter store.
 */
public final class TrainerExport {
  private TrainerExport() {}

  /**
   * One tensor on the host.
   *
   * @param name the parameter's stable name (see {@link Param#name()})
   * @param layer MoE layer of an expert slot's tensor, else -1
   * @param slot expert slot, or -1 for shared tensors
   * @param shape dimensions
   * @param values float32 values, row-major
   */
  public record HostTensor(String name, int layer, int slot, long[] shape, float[] values) {}

  /** Shared tensors and active slots' tensors, in the model's registration order. */
  public static List<HostTensor> servedTensors(MoeTrainer t) {
    boolean[][] active = t.activeSlots();
    List<HostTensor> out = new ArrayList<>();
    for (Param p : t.store().all()) {
      if (p.isExpertSlot() && !active[p.layer()][p.slot()]) {
        continue;
      }
      out.add(
          new HostTensor(
              p.name(),
              p.layer(),
              p.slot(),
              p.value().getShape().getShape(),
              DeviceReads.floats(p.value())));
    }
    return out;
  }

  /** Routing records per MoE layer (copies, as of the trainer's current step). */
  public static List<RoutingRecords> routingRecords(MoeTrainer t) {
    List<RoutingRecords> out = new ArrayList<>();
    for (RoutingRecords r : t.records()) {
      out.add(new RoutingRecords(r.activations(), r.unroutedSum(), r.tokens(), r.unroutedTokens()));
    }
    return out;
  }
}
