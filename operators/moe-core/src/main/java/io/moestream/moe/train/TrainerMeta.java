package io.moestream.moe.train;

import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * What a snapshot's {@code meta} entry says about a trainer: the configs it was built with and
 * every counter that is not a tensor. Written as versioned JSON ({@link MetaJson}); the
 * position-coded form of earlier builds is still read ({@link LegacyMetaReader}).
 *
 * @param model the model's shape and router
 * @param train optimizer and lifecycle settings
 * @param step training steps taken
 * @param rngState the trainer's RNG state
 * @param sharedAge AdamW step count of the shared parameters
 * @param slotAges [layers][slots] AdamW step count of each expert slot
 * @param active [layers][slots] whether each slot holds an active expert
 * @param records per MoE layer, the routing records of the current recording window
 */
record TrainerMeta(
    ModelConfig model,
    TrainConfig train,
    long step,
    long rngState,
    long sharedAge,
    long[][] slotAges,
    boolean[][] active,
    RoutingRecords[] records) {

  static TrainerMeta of(MoeTrainer t) {
    return new TrainerMeta(
        t.modelConfig(),
        t.trainConfig(),
        t.step(),
        t.rng().state(),
        t.optimizer().sharedAge(),
        t.optimizer().slotAges(),
        t.activeSlots(),
        t.records());
  }

  /**
   * Reads a {@code meta} payload of either format. A JSON document starts with '{'; a
   * position-coded one with its vocabulary size as a big-endian int, whose first byte is 0 for
   * every vocabulary below 2^24 tokens (a larger one could not be restored: its embedding would
   * exceed a Java array).
   */
  static TrainerMeta read(DataInputStream in) throws IOException {
    byte[] payload = in.readAllBytes();
    if (payload.length > 0 && payload[0] == '{') {
      return MetaJson.read(payload);
    }
    if (payload.length > 0 && payload[0] == 0) {
      return LegacyMetaReader.read(new DataInputStream(new ByteArrayInputStream(payload)));
    }
    throw new SnapshotCodec.CorruptSnapshotException(
        "meta", "neither a JSON document nor a position-coded meta");
  }
}
