package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.tensor.HostFloats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@link AdamWStep}'s formula as libtorch operations on whole tensors: the update of a packed group
 * runs once on its flat buffers (about 15 calls), whatever the device.
 */
final class TorchUpdates implements UpdateKernel {
  @Override
  public NDArray squaredNorm(NDManager step, Collection<NDArray> grads) {
    NDArray sq = null;
    for (NDArray g : grads) {
      NDArray s = g.square().sum();
      sq = sq == null ? s : sq.add(s);
    }
    return sq;
  }

  @Override
  public void update(UpdateGroups.Group group, List<NDArray> grads, AdamWStep step) {
    NDArray flatGrad = group.flat().concat(new ArrayList<>(grads));
    apply(flatGrad, group.mean(), group.var(), group.flat().values(), group.decayed(), step);
  }

  @Override
  public void update(TensorUpdate t, AdamWStep step) {
    apply(t.grad(), t.mean(), t.var(), t.theta(), t.decay() ? t.theta() : null, step);
  }

  @Override
  public void updateColumns(
      NDManager step, TensorUpdate t, boolean[] active, long[] ages, AdamWStep s) {
    NDArray g = t.grad();
    NDArray mean = t.mean();
    NDArray var = t.var();
    NDArray theta = t.theta();
    if (s.gradScale() != 1.0) {
      g = g.mul(s.gradScale()); // a new tensor: the leaf's .grad is zeroed by AdamW afterwards
    }
    DataType type = theta.getDataType();
    NDArray mask = HostFloats.of(step, AdamWStep.columnMask(active), type);
    NDArray bc1 = HostFloats.of(step, AdamWStep.columnCorrections(s.beta1(), ages), type);
    NDArray bc2 = HostFloats.of(step, AdamWStep.columnCorrections(s.beta2(), ages), type);
    mean.addi(g.sub(mean).mul(1 - s.beta1()).mul(mask));
    var.addi(g.square().sub(var).mul(1 - s.beta2()).mul(mask));
    NDArray upd = mean.div(bc1).div(var.div(bc2).sqrt().add(s.eps())).mul(s.lr()).mul(mask);
    if (t.decay()) {
      theta.subi(theta.mul(s.lr() * s.weightDecay()).mul(mask));
    }
    theta.subi(upd);
  }

  /**
   * @param decayed the part of {@code theta} weight decay applies to (all of it, a prefix of a
   *     packed group's buffer), or null
   */
  private static void apply(
      NDArray g, NDArray mean, NDArray var, NDArray theta, NDArray decayed, AdamWStep s) {
    if (s.gradScale() != 1.0) {
      g = g.mul(s.gradScale()); // a new tensor: the leaf's .grad is zeroed by AdamW afterwards
    }
    // Each temporary is made once, then worked on in place: a new tensor per operation would
    // allocate a buffer the size of the group a dozen times a step. In place or not, every element
    // sees the same operations in the same order (PackedAdamWTest checks the formula bit for bit).
    NDArray dm = g.sub(mean); // m ← m + (g − m)(1 − β₁)
    dm.muli(1 - s.beta1());
    mean.addi(dm);
    NDArray dv = g.square(); // v ← v + (g² − v)(1 − β₂)
    dv.subi(var);
    dv.muli(1 - s.beta2());
    var.addi(dv);
    NDArray denom = var.div(s.varCorrection()).sqrt(); // √(v / (1 − β₂^age)) + ε
    denom.addi(s.eps());
    NDArray upd = mean.div(s.meanCorrection()); // lr · (m / (1 − β₁^age)) / denom
    upd.divi(denom);
    upd.muli(s.lr());
    if (decayed != null) {
      decayed.muli(s.decayFactor());
    }
    theta.subi(upd);
  }
}
