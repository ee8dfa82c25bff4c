package io.moestream.operators;

import ai.djl.Device;
import io.moestream.moe.tensor.DeviceChoice;

/**
 * Which device a trainer subtask trains on: one subtask per GPU. With {@code gpus} GPUs visible to
 * the TaskManager, subtask {@code i} takes GPU {@code i mod gpus}; without a GPU, the CPU. Deploy
 * one slot per GPU (e.g. one GPU and one slot per TaskManager, {@code NVIDIA_VISIBLE_DEVICES}), so
 * no two subtasks share a GPU. The index is global across TaskManagers; with several GPUs and slots
 * per TaskManager the modulo spreads subtasks over that TaskManager's GPUs only as evenly as Flink
 * places them (README "Deploy"). {@code --device} ({@link TrainerSettings#device}) can pin the CPU
 * or require a GPU.
 */
public final class TrainerDevice {
  private TrainerDevice() {}

  /** {@link DeviceChoice#AUTO}: a GPU per subtask when there are GPUs, else the CPU. */
  public static Device forSubtask(int subtaskIndex, int gpus) {
    return forSubtask(DeviceChoice.AUTO, subtaskIndex, gpus);
  }

  /**
   * {@code choice} for subtask {@code subtaskIndex}: {@link DeviceChoice#CPU} always trains on the
   * CPU; {@link DeviceChoice#GPU} fails the task when the TaskManager sees no GPU ({@link
   * DeviceChoice.NoGpuException}), since a job that asked for GPUs must not crawl on CPUs unseen.
   */
  public static Device forSubtask(DeviceChoice choice, int subtaskIndex, int gpus) {
    return choice.forSubtask(subtaskIndex, gpus);
  }
}
