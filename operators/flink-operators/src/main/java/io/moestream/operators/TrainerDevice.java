package io.moestream.operators;

import ai.djl.Device;

/**
 * Which device a trainer subtask trains on: one subtask per GPU. With {@code gpus} GPUs visible to
 * the TaskManager, subtask {@code i} takes GPU {@code i mod gpus}; without a GPU, the CPU. Deploy
 * one slot per GPU (e.g. one GPU and one slot per TaskManager, {@code NVIDIA_VISIBLE_DEVICES}), so
 * no two subtasks share a GPU. The index is global across TaskManagers; with several GPUs and slots
 * per TaskManager the modulo spreads subtasks over that TaskManager's GPUs only as evenly as Flink
 * places them (README "Deploy").
 */
public final class TrainerDevice {
  private TrainerDevice() {}

  public static Device forSubtask(int subtaskIndex, int gpus) {
    if (subtaskIndex < 0) {
      throw new IllegalArgumentException("subtask index must be >= 0, got " + subtaskIndex);
    }
    return gpus <= 0 ? Device.cpu() : Device.gpu(subtaskIndex % gpus);
  }
}
