package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.tensor.FlatParams;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The groups of tensors {@link AdamW} updates as one: tensors with one age and one learning rate,
 * which a policy trains or freezes together.
 *
 * <ul>
 *   <li>each expert slot's tensors (the slot's own age; a spawn resets them together);
 *   <li>the routers' tensors (in a layer, not in a slot: EvoMoE freezes its DTR router apart from
 *       the rest of the model, and a group frozen in part falls back to per-tensor updates);
 *   <li>everything else (embeddings, attention, norms).
 * </ul>
 *
 * Gate tensors whose last axis indexes slots (per-column ages and masks), the thresholds (their own
 * learning rate) and tensors that are not float32 join no group. Within a group the decayed tensors
 * come first, so weight decay is one operation on a prefix of the buffer.
 */
final class UpdateGroups {
  /**
   * One packed group: its parameters' values, moments as buffers of the same layout, the prefix of
   * the values holding the decayed tensors (null when none decays), and the slot whose age it uses
   * ({@code slot} −1: the shared age).
   */
  record Group(FlatParams flat, NDArray mean, NDArray var, NDArray decayed, int layer, int slot) {}

  private UpdateGroups() {}

  /**
   * Packs every group of {@code store} ({@link ParameterStore#pack}: the parameters become views of
   * the group's buffer) and puts each member's views of the group's moment buffers in {@code
   * moments}.
   *
   * @param ownRate tensors with a learning rate of their own, which join no group
   */
  static List<Group> pack(
      ParameterStore store, Set<String> ownRate, Map<String, NDArray[]> moments) {
    NDManager m = store.manager();
    List<Group> out = new ArrayList<>();
    for (List<String> names : names(store.all(), ownRate)) {
      FlatParams flat = store.pack(names);
      NDArray mean = flat.newBuffer(m);
      NDArray var = flat.newBuffer(m);
      List<NDArray> means = flat.viewsOf(mean);
      List<NDArray> vars = flat.viewsOf(var);
      int decayed = 0;
      for (int i = 0; i < flat.params().size(); i++) {
        Param p = flat.params().get(i);
        moments.put(p.name(), new NDArray[] {means.get(i), vars.get(i)});
        decayed += p.decay() ? 1 : 0;
      }
      NDArray prefix =
          decayed == 0 ? null : FlatParams.prefix(flat.values(), flat.end(decayed - 1));
      Param first = flat.params().get(0);
      out.add(new Group(flat, mean, var, prefix, first.layer(), first.slot()));
    }
    return out;
  }

  /** The groups' member names, decayed tensors first in each; groups in first-member order. */
  static List<List<String>> names(List<Param> params, Set<String> ownRate) {
    Map<String, List<Param>> byGroup = new LinkedHashMap<>();
    for (Param p : params) {
      if (p.slotAxis()
          || ownRate.contains(p.name())
          || p.value().getDataType() != DataType.FLOAT32) {
        continue;
      }
      String key =
          p.isExpertSlot() ? "slot " + p.layer() + "/" + p.slot() : p.layer() >= 0 ? "router" : "";
      byGroup.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
    }
    List<List<String>> out = new ArrayList<>();
    for (List<Param> members : byGroup.values()) {
      List<String> names = new ArrayList<>();
      members.stream().filter(Param::decay).forEach(p -> names.add(p.name()));
      members.stream().filter(p -> !p.decay()).forEach(p -> names.add(p.name()));
      out.add(names);
    }
    return out;
  }
}
