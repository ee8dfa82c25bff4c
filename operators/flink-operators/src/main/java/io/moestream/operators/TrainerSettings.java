package io.moestream.operators;

import io.moestream.moe.config.ModalityMap;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.tensor.DeviceChoice;
import io.moestream.moe.tensor.Precision;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Everything the trainer operator needs to build and train a model, shipped to every subtask.
 *
 * @param model the model's shape and router
 * @param train optimizer, seed, recording window, spawn policy
 * @param batchSize sequence windows per training step
 * @param summaryEvery emit a training summary every this many steps
 * @param intraOpThreads libtorch intra-op threads of the TaskManager JVM (0 = leave libtorch's
 *     default, one per core). Use 1 when several subtasks share a TaskManager: the job's
 *     parallelism supplies the concurrency, and libtorch's process-wide pool shared by several
 *     subtasks oversubscribes the cores (measured: tens of times slower on 2 busy cores)
 * @param modalities record label ({@code modality}, else {@code domain}) to DTR modality id
 * @param maxModels most models one trainer subtask holds; a record of one more model becomes a dead
 *     letter ({@code MODEL_CAP_EXCEEDED}) instead of a model that could exhaust the memory
 * @param device where each subtask trains ({@link TrainerDevice}); not part of {@link #configHash}
 *     nor of the restore check, since a model moves between CPU and GPU freely. Null (settings
 *     serialised before the field existed) reads as {@link DeviceChoice#AUTO}, the old behaviour
 * @param initFrom where a model without state starts from ({@code --init-from}), or null for the
 *     seed's random draw. Not part of {@link #configHash} nor of the restore check: it decides only
 *     how a model that has no state yet begins, never what a restored model is
 * @param precision of the model's dense matmuls ({@link Precision}); like {@link #device} a way of
 *     computing, not part of the model: not in {@link #configHash} nor the restore check (weights
 *     and snapshots are float32 either way). Null (settings serialised before the field existed)
 *     reads as {@link Precision#FP32}, the old behaviour
 */
public record TrainerSettings(
    ModelConfig model,
    TrainConfig train,
    int batchSize,
    int summaryEvery,
    int intraOpThreads,
    ModalityMap modalities,
    int maxModels,
    DeviceChoice device,
    InitFrom initFrom,
    Precision precision)
    implements Serializable {

  /**
   * Default {@link #maxModels}: at the default size a model needs tens of MB of libtorch memory.
   */
  public static final int DEFAULT_MAX_MODELS = 64;

  public TrainerSettings(ModelConfig model, TrainConfig train, int batchSize, int summaryEvery) {
    this(model, train, batchSize, summaryEvery, 0);
  }

  public TrainerSettings(
      ModelConfig model, TrainConfig train, int batchSize, int summaryEvery, int intraOpThreads) {
    this(model, train, batchSize, summaryEvery, intraOpThreads, ModalityMap.textAndCode());
  }

  public TrainerSettings(
      ModelConfig model,
      TrainConfig train,
      int batchSize,
      int summaryEvery,
      int intraOpThreads,
      ModalityMap modalities) {
    this(model, train, batchSize, summaryEvery, intraOpThreads, modalities, DEFAULT_MAX_MODELS);
  }

  public TrainerSettings(
      ModelConfig model,
      TrainConfig train,
      int batchSize,
      int summaryEvery,
      int intraOpThreads,
      ModalityMap modalities,
      int maxModels) {
    this(
        model,
        train,
        batchSize,
        summaryEvery,
        intraOpThreads,
        modalities,
        maxModels,
        DeviceChoice.AUTO);
  }

  public TrainerSettings(
      ModelConfig model,
      TrainConfig train,
      int batchSize,
      int summaryEvery,
      int intraOpThreads,
      ModalityMap modalities,
      int maxModels,
      DeviceChoice device) {
    this(
        model,
        train,
        batchSize,
        summaryEvery,
        intraOpThreads,
        modalities,
        maxModels,
        device,
        null,
        Precision.FP32);
  }

  /** These settings with another {@link #maxModels}. */
  public TrainerSettings withMaxModels(int max) {
    return withRunSettings(max, device, initFrom, precision);
  }

  /** These settings with another {@link #device}. */
  public TrainerSettings withDevice(DeviceChoice choice) {
    return withRunSettings(maxModels, choice, initFrom, precision);
  }

  /** These settings with models without state upcycled from {@code init} (null: from the seed). */
  public TrainerSettings withInitFrom(InitFrom init) {
    return withRunSettings(maxModels, device, init, precision);
  }

  /** These settings with another {@link #precision}. */
  public TrainerSettings withPrecision(Precision p) {
    return withRunSettings(maxModels, device, initFrom, p);
  }

  /**
   * The model and training settings as they are, with these run settings (the withers' one copy).
   */
  private TrainerSettings withRunSettings(
      int max, DeviceChoice choice, InitFrom init, Precision p) {
    return new TrainerSettings(
        model, train, batchSize, summaryEvery, intraOpThreads, modalities, max, choice, init, p);
  }

  public TrainerSettings {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1");
    }
    if (summaryEvery < 1) {
      throw new IllegalArgumentException("summary interval must be >= 1 step");
    }
    java.util.Objects.requireNonNull(modalities, "modalities");
    if (maxModels < 1) {
      throw new IllegalArgumentException("max models per subtask must be >= 1");
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intra-op threads must be >= 0");
    }
    // refused here, where the job is built, not on the first step inside a task
    train.budget().requireFits(model.router());
    // Java deserialises a record through this constructor: an old stream has no device
    device = device == null ? DeviceChoice.AUTO : device;
    precision = precision == null ? Precision.FP32 : precision;
  }

  /** Tokens one training step consumes: batch × (ctx + 1) windows, non-overlapping. */
  public int tokensPerStep() {
    return batchSize * (model.ctx() + 1);
  }

  /** sha256 of the configuration, carried by every event so consumers can tell configs apart. */
  public String configHash() {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((model + "|" + train + "|" + batchSize).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
