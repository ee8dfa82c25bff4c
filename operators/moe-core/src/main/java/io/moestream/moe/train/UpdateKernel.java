package io.moestream.moe.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.List;

/**
 * Where {@link AdamW}'s element-wise arithmetic runs: the same formula ({@link AdamWStep}) either
 * as libtorch operations on whole tensors ({@link TorchUpdates}: any device, a dozen calls per
 * group) or, on the CPU, as one Java pass over the tensors' memory ({@link HostUpdates}). Which
 * tensors train, their ages, masks and learning rates stay {@link AdamW}'s business.
 */
interface UpdateKernel {
  /**
   * () Σ g² over {@code grads}, float32, in {@code step}'s manager, not yet read to the host; null
   * when {@code grads} is empty.
   */
  NDArray squaredNorm(NDManager step, Collection<NDArray> grads);

  /**
   * One packed group's update from its members' gradients (in member order, each shaped like its
   * member).
   */
  void update(UpdateGroups.Group group, List<NDArray> grads, AdamWStep step);

  /** One tensor's update. */
  void update(TensorUpdate t, AdamWStep step);

  /**
   * The update of a gate tensor whose last axis indexes expert slots: column c changes only when
   * {@code active[c]}, and takes its bias corrections from {@code ages[c]} (at least 1, so an
   * inactive column's stay finite); {@code step}'s own age is not used. Its arithmetic multiplies
   * by the 0/1 mask rather than skipping, as it always has.
   *
   * @param step the step's manager, for the masks' and corrections' tensors
   */
  void updateColumns(NDManager step, TensorUpdate t, boolean[] active, long[] ages, AdamWStep s);

  /** The Java pass on the CPU, libtorch everywhere else. */
  static UpdateKernel forDevice(Device device) {
    return Device.Type.CPU.equals(device.getDeviceType()) ? new HostUpdates() : new TorchUpdates();
  }
}
