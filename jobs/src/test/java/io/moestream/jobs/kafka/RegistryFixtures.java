package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.LifecycleKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Lifecycle events as the streaming job writes them, for tests of registry readers. */
public final class RegistryFixtures {
  private RegistryFixtures() {}

  /** A spawn (from slot 1, threshold 0.25) or a prune (7 activations); time = step ms. */
  public static ExpertLifecycleEvent event(
      String model, int layer, int slot, ExpertEventKind kind, long step) {
    boolean spawn = kind == ExpertEventKind.SPAWNED;
    return ExpertLifecycleEvent.newBuilder()
        .setEventId(LifecycleKeys.eventId(model, layer, slot, kind, step))
        .setModelId(model)
        .setLayer(layer)
        .setSlot(slot)
        .setKind(kind)
        .setStep(step)
        .setEventTime(Instant.ofEpochMilli(step))
        .setDirection(spawn ? List.of(0.6f, 0.8f) : List.of())
        .setThreshold(spawn ? 0.25 : null)
        .setWindowTokens(4096)
        .setUnroutedTokens(512)
        .setActivations(spawn ? 0 : 7)
        .setActiveAfter(3)
        .setInitialisedFrom(spawn ? 1 : -1)
        .setConfigHash("it")
        .build();
  }

  public static ProducerRecord<byte[], byte[]> record(ExpertLifecycleEvent e) {
    return new ProducerRecord<>(
        TopicNames.REGISTRY,
        LifecycleKeys.kafkaKey(e).getBytes(StandardCharsets.UTF_8),
        AvroCodec.encode(e));
  }
}
