package io.moestream.operators;

import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.LifecycleKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns the library's {@link ExpertChange}s into registry events. */
public final class LifecycleEvents {
  private LifecycleEvents() {}

  /** The Kafka key {@code modelId/layer/slot}: a compacted topic keeps each slot's latest. */
  public static String key(ExpertLifecycleEvent e) {
    return LifecycleKeys.kafkaKey(e);
  }

  public static ExpertLifecycleEvent of(
      String modelId, ExpertChange c, long eventTimeMillis, String configHash) {
    List<Float> direction = new ArrayList<>(c.direction().length);
    for (double v : c.direction()) {
      direction.add((float) v);
    }
    ExpertEventKind kind = ExpertEventKind.valueOf(c.kind().name());
    return ExpertLifecycleEvent.newBuilder()
        .setEventId(LifecycleKeys.eventId(modelId, c.layer(), c.slot(), kind, c.step()))
        .setModelId(modelId)
        .setLayer(c.layer())
        .setSlot(c.slot())
        .setKind(kind)
        .setStep(c.step())
        .setEventTime(Instant.ofEpochMilli(eventTimeMillis))
        .setDirection(direction)
        .setThreshold(Double.isNaN(c.threshold()) ? null : c.threshold())
        .setWindowTokens(c.windowTokens())
        .setUnroutedTokens(c.unroutedTokens())
        .setActivations(c.activations())
        .setActiveAfter(c.activeAfter())
        .setInitialisedFrom(c.initialisedFrom())
        .setConfigHash(configHash)
        .setStage(c.stage().isEmpty() ? null : c.stage())
        .setTriggerShare(Double.isNaN(c.triggerShare()) ? null : c.triggerShare())
        .build();
  }
}
