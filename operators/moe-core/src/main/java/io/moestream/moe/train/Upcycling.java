package io.moestream.moe.train;

import ai.djl.Device;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sparse upcycling (Komatsuzaki et al. 2023; MoE-LLaVA's set-up, which DynMoE's vision-language
 * results use): a new model that takes a trained model's embeddings, attention, norms and LM head,
 * and whose every expert slot of every MoE layer starts as a copy of that model's FFN. The new
 * model keeps its own router and expert settings.
 *
 * <ul>
 *   <li><b>Experts.</b> Slot s of layer l copies source expert {@code a[s mod n]}, where a are the
 *       source layer's n active slots in ascending order ({@link #slotSources}). A dense source has
 *       one expert, so every slot is the dense FFN — the paper's rule. An MoE source's experts are
 *       copied round-robin rather than averaged: experts trained from independent draws have no
 *       common hidden-unit order, so their mean computes none of them, whereas each copy is an FFN
 *       the source learnt (docs/decisions.md, issue 16 point 3).
 *   <li><b>Gates</b> (router weights, DynMoE's gate columns and thresholds, DTR hypernetworks) are
 *       the new model's own, drawn from its seed exactly as a model built from scratch draws them:
 *       unit-norm, nearly orthogonal random columns, so with identical experts the tokens still
 *       spread over different experts, and the experts drift apart as they train on different
 *       tokens. Copying the source's router (or one column into every slot) would collapse routing.
 *   <li><b>Optimizer</b>: fresh (zero moments, ages 0); step 0; routing records empty.
 * </ul>
 *
 * Every shape but the router's must match: vocabulary, d, layers, heads, ctx and the expert width
 * ({@code --ff}; a dense model's FFN width is its {@code --ff} too).
 */
public final class Upcycling {
  private Upcycling() {}

  /**
   * A trained model's weights on the host, as an export holds them.
   *
   * @param model the source's shape and router
   * @param activeSlots per MoE layer, the source's active expert slots (any order; sorted here)
   * @param tensors by parameter name: every shared tensor and the active slots' expert tensors
   *     (router tensors may be present; they are not used)
   * @param origin what the source is, for people: a directory, a model id, step and digest
   * @param weightsSha256 sha256 of the file the tensors were read from, or null (in memory): what a
   *     restart elsewhere checks to build the same model
   */
  public record Source(
      ModelConfig model,
      List<List<Integer>> activeSlots,
      Map<String, float[]> tensors,
      String origin,
      String weightsSha256) {
    public Source {
      if (model == null || activeSlots == null || tensors == null) {
        throw new IllegalArgumentException("an upcycling source needs a model, slots and tensors");
      }
      if (activeSlots.size() != model.layers()) {
        throw new IllegalArgumentException(
            "the source lists active slots for "
                + activeSlots.size()
                + " layers, its model has "
                + model.layers());
      }
      List<List<Integer>> sorted = new ArrayList<>();
      for (int l = 0; l < activeSlots.size(); l++) {
        List<Integer> s = new ArrayList<>(activeSlots.get(l));
        if (s.isEmpty()) {
          throw new IllegalArgumentException("layer " + l + " of the source has no active expert");
        }
        s.sort(null);
        sorted.add(List.copyOf(s));
      }
      activeSlots = List.copyOf(sorted);
      tensors = Map.copyOf(tensors);
    }
  }

  /** The served weights of an in-memory trainer (active slots only), as an export would hold. */
  public static Source of(MoeTrainer trained, String origin) {
    Map<String, float[]> tensors = new LinkedHashMap<>();
    for (TrainerExport.HostTensor t : TrainerExport.servedTensors(trained)) {
      tensors.put(t.name(), t.values());
    }
    List<List<Integer>> active = new ArrayList<>();
    for (boolean[] layer : trained.activeSlots()) {
      List<Integer> s = new ArrayList<>();
      for (int e = 0; e < layer.length; e++) {
        if (layer[e]) {
          s.add(e);
        }
      }
      active.add(s);
    }
    return new Source(trained.modelConfig(), active, tensors, origin, null);
  }

  /**
   * A new model of {@code model}'s shape and router, upcycled from {@code source} (see the class
   * comment), trained with {@code train}.
   *
   * @param device where it trains; null for the engine's default
   * @throws IllegalArgumentException when the shapes do not fit ({@link #checkFits}) or the source
   *     lacks a tensor or holds one of another size
   */
  public static MoeTrainer create(
      ModelConfig model, TrainConfig train, Source source, Device device) {
    checkFits(source.model(), model);
    int slots = slotCount(model);
    int[][] from = slotSources(source.activeSlots(), slots);
    return MoeTrainer.create(model, train, device, store -> copy(store, source, from));
  }

  /**
   * Refuses a source whose shapes differ from {@code target}'s (the router may differ), with one
   * line naming every field that differs.
   */
  public static void checkFits(ModelConfig source, ModelConfig target) {
    List<String> diffs = new ArrayList<>();
    differs(diffs, "vocab", source.vocabSize(), target.vocabSize());
    differs(diffs, "d", source.dModel(), target.dModel());
    differs(diffs, "layers", source.layers(), target.layers());
    differs(diffs, "heads", source.heads(), target.heads());
    differs(diffs, "ctx", source.ctx(), target.ctx());
    differs(diffs, "expert width (ff)", source.dFf(), target.dFf());
    if (!diffs.isEmpty()) {
      throw new IllegalArgumentException(
          "the source model does not fit this one: "
              + String.join(", ", diffs)
              + " (upcycling keeps every shape but the router's)");
    }
  }

  /**
   * Per layer, the source slot each of the new model's {@code slots} slots copies: round-robin over
   * the source layer's active slots in ascending order.
   */
  public static int[][] slotSources(List<List<Integer>> sourceActive, int slots) {
    int[][] from = new int[sourceActive.size()][slots];
    for (int l = 0; l < from.length; l++) {
      List<Integer> a = new ArrayList<>(sourceActive.get(l));
      a.sort(null);
      for (int s = 0; s < slots; s++) {
        from[l][s] = a.get(s % a.size());
      }
    }
    return from;
  }

  /** Expert slots the model preallocates per layer (DynMoE: E_max). */
  private static int slotCount(ModelConfig model) {
    return model.router().maxExperts();
  }

  private static void differs(List<String> diffs, String what, int source, int target) {
    if (source != target) {
      diffs.add(what + " " + source + " in the source, " + target + " here");
    }
  }

  /**
   * Shared tensors by name, expert slots from their source slot; the router's tensors (a layer's,
   * not a slot's) keep the values the seed drew.
   */
  private static void copy(ParameterStore store, Source source, int[][] from) {
    for (Param p : store.all()) {
      String name;
      if (p.isExpertSlot()) {
        String prefix = ModelInit.expertPrefix(p.layer(), p.slot());
        name =
            ModelInit.expertPrefix(p.layer(), from[p.layer()][p.slot()])
                + p.name().substring(prefix.length());
      } else if (p.layer() >= 0) {
        continue; // the router's: fresh, from this model's seed
      } else {
        name = p.name();
      }
      float[] values = source.tensors().get(name);
      if (values == null) {
        throw new IllegalArgumentException("the source lacks tensor " + name);
      }
      if (values.length != p.value().size()) {
        throw new IllegalArgumentException(
            "the source's "
                + name
                + " has "
                + values.length
                + " values, this model's "
                + p.name()
                + " "
                + p.value().size());
      }
      store.assign(p.name(), values);
    }
  }
}
