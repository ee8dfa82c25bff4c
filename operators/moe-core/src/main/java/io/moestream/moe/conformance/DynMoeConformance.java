package io.moestream.moe.conformance;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.lifecycle.Lifecycle;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.RoutedExperts;
import io.moestream.moe.router.DynMoeAux;
import io.moestream.moe.router.DynMoeGate;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.DeviceReads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one case of {@code shared/conformance/dynmoe/} through the real implementation — the gate
 * ({@link DynMoeGate}), the aux loss ({@link DynMoeAux}), the routed combine ({@link
 * RoutedExperts}), libtorch autograd, the routing records and the {@link Lifecycle} — and compares
 * every field at the README's tolerances. The cases' experts are toy linear maps {@code x A[e] +
 * b[e]} and the task loss is {@code sum(y * R)}, so each part is checked in isolation.
 */
public final class DynMoeConformance {
  private static final String[] GRAD_INPUTS = {"sim_matrix", "gates", "x", "A", "b"};

  private DynMoeConformance() {}

  /** {@link #check(String, JsonNode, Device)} on the engine's default device. */
  public static ConformanceReport check(String caseName, JsonNode c) {
    return check(caseName, c, null);
  }

  /**
   * Runs case {@code c} with every tensor on {@code device} (null: the engine's default), so the
   * same case checks the CPU and each GPU.
   */
  public static ConformanceReport check(String caseName, JsonNode c, Device device) {
    JsonNode meta = c.get("meta");
    String dtypeName = meta.get("dtype").asText();
    DataType dtype = dtypeName.contains("64") ? DataType.FLOAT64 : DataType.FLOAT32;
    AuxVariant variant = AuxVariant.parse(meta.get("aux_variant").asText());
    double auxWeight = meta.get("aux_weight").asDouble();
    if (meta.has("logit_scale") && meta.get("logit_scale").asDouble() != 1.0) {
      throw new IllegalArgumentException("only logit_scale 1.0 is specified (DESIGN §2.1)");
    }
    FieldComparator cmp = new FieldComparator(Tolerance.forDtype(dtypeName));
    try (NDManager root = NDManager.newBaseManager(device)) {
      Case k = new Case(root, c.get("inputs"), dtype, variant, auxWeight);
      trainForward(k, c.get("train_forward"), cmp);
      grads(k, c.get("grads"), cmp);
      evalForward(k, c.get("eval_forward"), cmp);
      adaptiveStep(k, c.get("adaptive_step"), cmp);
      windowEvents(c.get("ds_window_events_0_to_2700"), cmp);
    }
    return new ConformanceReport(caseName, dtypeName, variant.name().toLowerCase(), cmp.checks());
  }

  /** The case's inputs as leaf tensors, and one forward pass through the real code. */
  private static final class Case {
    final NDManager m;
    final NDArray x, x2, sim, gates, mask, a, b, r;
    final AuxVariant variant;
    final double auxWeight;
    final int experts;

    Case(NDManager m, JsonNode in, DataType dtype, AuxVariant variant, double auxWeight) {
      this.m = m;
      this.variant = variant;
      this.auxWeight = auxWeight;
      x = leaf(m, in.get("x"), dtype);
      x2 = leaf(m, in.get("x2"), dtype);
      sim = leaf(m, in.get("sim_matrix"), dtype);
      gates = leaf(m, in.get("gates"), dtype);
      mask = leaf(m, in.get("experts_mask"), dtype);
      a = leaf(m, in.get("A"), dtype);
      b = leaf(m, in.get("b"), dtype);
      r = leaf(m, in.get("R"), dtype);
      experts = (int) sim.getShape().get(1);
    }

    Forward forward(NDManager step, NDArray input, NDArray maskNow, boolean training) {
      DynMoeGate.Result g = DynMoeGate.forward(input, sim, gates, maskNow, training);
      Map<String, NDArray> parts = DynMoeAux.parts(variant, g, sim, maskNow);
      NDArray aux = DynMoeAux.total(parts);
      int d = (int) input.getShape().get(1);
      NDArray y =
          RoutedExperts.combine(
              input,
              g.weights(),
              RoutedExperts.host(g.gate()),
              d,
              (e, rows) -> rows.matMul(a.get(e)).add(b.get(e)));
      NDArray task = y.mul(r).sum();
      return new Forward(g, parts, aux, y, task, task.add(aux.mul(auxWeight)));
    }
  }

  private record Forward(
      DynMoeGate.Result gate,
      Map<String, NDArray> parts,
      NDArray aux,
      NDArray y,
      NDArray task,
      NDArray total) {}

  private static void trainForward(Case k, JsonNode want, FieldComparator cmp) {
    try (NDManager step = k.m.newSubManager()) {
      Forward f = Autograd.noGrad(() -> k.forward(step, k.x, k.mask, true));
      String p = "train_forward.";
      cmp.close(
          p + "scores_sigmoid_masked", d(f.gate().scores()), want.get("scores_sigmoid_masked"));
      cmp.exact(p + "gate_output", d(f.gate().gate()), want.get("gate_output"));
      cmp.exact(p + "k_per_token", d(f.gate().k()), want.get("k_per_token"));
      cmp.close(p + "combine_weights", d(f.gate().weights()), want.get("combine_weights"));
      cmp.exact(p + "exp_counts", d(f.gate().gate().sum(new int[] {0})), want.get("exp_counts"));
      if (want.has("capacity")) {
        cmp.notApplicable(
            p + "capacity", "top-any routing here never drops tokens, so no capacity applies");
      }
      cmp.close(p + "y", d(f.y()), want.get("y"));
      cmp.close(p + "l_aux", d(f.aux()), want.get("l_aux"));
      JsonNode parts = want.get("l_aux_parts");
      parts
          .fieldNames()
          .forEachRemaining(
              name -> {
                NDArray got = f.parts().get(name);
                if (got == null) {
                  cmp.missing(p + "l_aux_parts." + name);
                } else {
                  cmp.close(p + "l_aux_parts." + name, d(got), parts.get(name));
                }
              });
      for (String name : f.parts().keySet()) {
        if (!parts.has(name)) {
          cmp.missing(p + "l_aux_parts." + name + " (computed but not in the case)");
        }
      }
      cmp.close(p + "L_task", d(f.task()), want.get("L_task"));
      cmp.close(p + "L_total", d(f.total()), want.get("L_total"));
    }
  }

  private static void grads(Case k, JsonNode want, FieldComparator cmp) {
    NDArray[] leaves = {k.sim, k.gates, k.x, k.a, k.b};
    for (String which : new String[] {"task", "aux", "total"}) {
      try (NDManager step = k.m.newSubManager()) {
        for (NDArray leaf : leaves) {
          leaf.setRequiresGradient(true);
        }
        Forward f = Autograd.recording(() -> k.forward(step, k.x, k.mask, true));
        NDArray loss =
            switch (which) {
              case "task" -> f.task();
              case "aux" -> f.aux();
              default -> f.total();
            };
        Autograd.backward(loss);
        for (int i = 0; i < leaves.length; i++) {
          NDArray g = leaves[i].getGradient();
          cmp.grad(
              "grads." + which + "." + GRAD_INPUTS[i], d(g), want.get(which).get(GRAD_INPUTS[i]));
          g.close();
        }
        for (NDArray leaf : leaves) {
          Autograd.zeroGrad(leaf); // libtorch accumulates: the next loss starts from zero
        }
      }
    }
  }

  private static void evalForward(Case k, JsonNode want, FieldComparator cmp) {
    try (NDManager step = k.m.newSubManager()) {
      Forward f = Autograd.noGrad(() -> k.forward(step, k.x, k.mask, false));
      String p = "eval_forward.";
      cmp.exact(p + "gate_output", d(f.gate().gate()), want.get("gate_output"));
      cmp.exact(p + "k_per_token", d(f.gate().k()), want.get("k_per_token"));
      cmp.close(p + "combine_weights", d(f.gate().weights()), want.get("combine_weights"));
      cmp.close(p + "y", d(f.y()), want.get("y"));
      cmp.close(p + "l_aux", d(f.aux()), want.get("l_aux"));
    }
  }

  private static void adaptiveStep(Case k, JsonNode want, FieldComparator cmp) {
    String p = "adaptive_step.";
    boolean[] active = toMask(d(k.mask));
    int dModel = (int) k.x.getShape().get(1);
    RoutingRecords rec = new RoutingRecords(k.experts, dModel);
    cmp.exact(p + "before_mask", fromMask(active), want.get("before_mask"));
    try (NDManager step = k.m.newSubManager()) {
      Autograd.noGrad(
          () -> {
            for (NDArray batch : new NDArray[] {k.x, k.x2}) {
              Forward f = k.forward(step, batch, k.mask, true);
              rec.record(batch, RoutedExperts.host(f.gate().gate()));
            }
          });
    }
    cmp.exact(p + "R_E", toDoubles(rec.activations()), want.get("R_E"));
    cmp.close(p + "R_S", rec.unroutedSum(), want.get("R_S"));
    cmp.exact(p + "total_tokens", new double[] {rec.tokens()}, want.get("total_tokens"));

    List<ExpertChange> changes = Lifecycle.run(0, 0, k.sim, k.gates, active, rec, 0).changes();
    boolean[] afterRemove = active.clone();
    int added = -1;
    double[] column = null;
    for (ExpertChange ch : changes) {
      if (ch.kind() == io.moestream.moe.lifecycle.ChangeKind.SPAWNED) {
        added = ch.slot();
        column = ch.direction();
        afterRemove[ch.slot()] = false;
      }
    }
    cmp.exact(p + "after_remove_mask", fromMask(afterRemove), want.get("after_remove_mask"));
    cmp.exact(p + "after_add_mask", fromMask(active), want.get("after_add_mask"));
    JsonNode wantAdded = want.get("added_index");
    boolean indexOk =
        wantAdded == null || wantAdded.isNull() ? added < 0 : added == wantAdded.asInt();
    cmp.exact(
        p + "added_index",
        new double[] {indexOk ? 1 : 0},
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(1));
    JsonNode wantColumn = want.get("new_column");
    if (wantColumn != null && !wantColumn.isNull()) {
      cmp.close(p + "new_column", column == null ? new double[0] : column, wantColumn);
    } else if (column != null) {
      cmp.missing(p + "new_column (spawned, but the case expects none)");
    }
    cmp.close(p + "sim_matrix_after", d(k.sim), want.get("sim_matrix_after"));
    cmp.close(p + "gates_after", d(k.gates), want.get("gates_after"));
    cmp.exact(p + "expert_num", new double[] {Lifecycle.count(active)}, want.get("expert_num"));

    try (NDManager step = k.m.newSubManager()) {
      NDArray maskAfter = step.create(fromMask(active)).toType(k.x.getDataType(), false);
      Forward f = Autograd.noGrad(() -> k.forward(step, k.x, maskAfter, true));
      cmp.exact(
          p + "post_update_gate_output_batch1",
          d(f.gate().gate()),
          want.get("post_update_gate_output_batch1"));
      cmp.exact(p + "post_update_k_batch1", d(f.gate().k()), want.get("post_update_k_batch1"));
      cmp.close(p + "post_update_l_aux", d(f.aux()), want.get("post_update_l_aux"));
    }
  }

  /** The official schedule (begin 300, update-then-end 600, every 900) over steps 0..2700. */
  private static void windowEvents(JsonNode want, FieldComparator cmp) {
    if (want == null) {
      return;
    }
    RecordingWindow w = RecordingWindow.officialDefault();
    List<String> got = new ArrayList<>();
    for (long s = 0; s <= 2700; s++) {
      if (w.beginsAt(s)) {
        got.add(s + "=begin_record");
      }
      if (s > 0 && w.endsAfter(s - 1)) {
        got.add(s + "=update_then_end_record");
      }
    }
    List<String> expected = new ArrayList<>();
    want.fields().forEachRemaining(e -> expected.add(e.getKey() + "=" + e.getValue().asText()));
    boolean same = got.equals(expected);
    cmp.exact(
        "ds_window_events_0_to_2700",
        new double[] {same ? 1 : 0},
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(1));
  }

  private static NDArray leaf(NDManager m, JsonNode values, DataType dtype) {
    double[] flat = FieldComparator.flatten(values);
    return m.create(flat, new Shape(FieldComparator.shape(values))).toType(dtype, false);
  }

  private static double[] d(NDArray a) {
    return DeviceReads.doubles(a);
  }

  private static double[] toDoubles(long[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static boolean[] toMask(double[] v) {
    boolean[] out = new boolean[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] > 0;
    }
    return out;
  }

  private static double[] fromMask(boolean[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] ? 1 : 0;
    }
    return out;
  }
}
