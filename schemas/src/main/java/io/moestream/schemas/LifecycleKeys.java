package io.moestream.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The key and id schemes of {@link ExpertLifecycleEvent}, in one place for the producer (the
 * streaming job) and for consumers that recompute them.
 *
 * <ul>
 *   <li>Kafka key: the UTF-8 string {@code modelId/layer/slot}. The "moe.registry" topic is
 *       compacted, so it keeps the latest event of every slot.
 *   <li>{@code eventId}: lowercase hex SHA-256 of the UTF-8 string {@code
 *       modelId/layer/slot/kind/step} (kind as its enum symbol, numbers in decimal). Deterministic,
 *       so an event replayed after a restore has the same id and consumers can de-duplicate.
 * </ul>
 *
 * A modelId may itself contain {@code /}: the components after it are fixed in number and format,
 * so both strings still parse unambiguously from the right.
 */
public final class LifecycleKeys {

  private LifecycleKeys() {}

  /** The Kafka key of a lifecycle event: {@code modelId/layer/slot}. */
  public static String kafkaKey(String modelId, int layer, int slot) {
    requireModelId(modelId);
    return modelId + "/" + layer + "/" + slot;
  }

  /** The Kafka key of {@code event}. */
  public static String kafkaKey(ExpertLifecycleEvent event) {
    return kafkaKey(event.getModelId(), event.getLayer(), event.getSlot());
  }

  /**
   * The deterministic event id: lowercase hex SHA-256 of {@code modelId/layer/slot/kind/step}.
   *
   * @throws IllegalArgumentException for kind {@code UNKNOWN}, which is never written
   */
  public static String eventId(
      String modelId, int layer, int slot, ExpertEventKind kind, long step) {
    requireModelId(modelId);
    if (kind == null || kind == ExpertEventKind.UNKNOWN) {
      throw new IllegalArgumentException(
          "eventId needs a concrete kind; UNKNOWN is only what readers see for newer kinds");
    }
    String text = modelId + "/" + layer + "/" + slot + "/" + kind.name() + "/" + step;
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The event id {@code event} should carry (recomputed from its fields). */
  public static String eventId(ExpertLifecycleEvent event) {
    return eventId(
        event.getModelId(), event.getLayer(), event.getSlot(), event.getKind(), event.getStep());
  }

  private static void requireModelId(String modelId) {
    if (modelId == null || modelId.isEmpty()) {
      throw new IllegalArgumentException("modelId must be non-empty");
    }
  }
}
