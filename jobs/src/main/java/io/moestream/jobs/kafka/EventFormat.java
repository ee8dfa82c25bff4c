package io.moestream.jobs.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code registry tail} shows an {@link ExpertLifecycleEvent}: one line a person can scan
 * ({@code [model/layer/slot] SPAWNED step=... active=... window(tokens=..., unrouted=...) share=...
 * from=...}; {@code share} is the evidence the change was taken on, absent in events written before
 * it existed), or one JSON object per line for {@code jq} and scripts. Both carry every field a
 * reader needs to follow an expert set; only the text form leaves out the gate direction (d floats
 * are noise on a console).
 */
public final class EventFormat {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EventFormat() {}

  public static String text(ExpertLifecycleEvent e) {
    StringBuilder b = new StringBuilder();
    b.append('[').append(e.getModelId()).append('/').append(e.getLayer()).append('/');
    b.append(e.getSlot()).append("] ").append(e.getKind());
    b.append(" step=").append(e.getStep());
    if (e.getKind() == ExpertEventKind.STAGE_CHANGED) {
      b.append(" stage=").append(e.getStage()).append(" at=").append(e.getEventTime());
      return b.toString();
    }
    b.append(" active=").append(e.getActiveAfter());
    b.append(" window(tokens=").append(e.getWindowTokens());
    b.append(", unrouted=").append(e.getUnroutedTokens()).append(')');
    if (e.getTriggerShare() != null) { // absent in events of writers before v3
      // the exact binary value rounded half-even: what Python's f"{x:.4f}" prints (the example
      // consumer's output must match this line)
      b.append(" share=")
          .append(
              new BigDecimal(e.getTriggerShare())
                  .setScale(4, RoundingMode.HALF_EVEN)
                  .toPlainString());
    }
    if (e.getKind() == ExpertEventKind.SPAWNED) {
      b.append(" from=").append(e.getInitialisedFrom() < 0 ? "random" : e.getInitialisedFrom());
      if (e.getThreshold() != null) {
        b.append(" threshold=").append(String.format(Locale.ROOT, "%.4g", e.getThreshold()));
      }
    } else {
      b.append(" activations=").append(e.getActivations());
    }
    b.append(" at=").append(e.getEventTime());
    return b.toString();
  }

  static String json(ExpertLifecycleEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eventId", e.getEventId());
    m.put("modelId", e.getModelId());
    m.put("layer", e.getLayer());
    m.put("slot", e.getSlot());
    m.put("kind", e.getKind().name());
    m.put("step", e.getStep());
    m.put("eventTime", e.getEventTime() == null ? null : e.getEventTime().toString());
    m.put("activeAfter", e.getActiveAfter());
    m.put("windowTokens", e.getWindowTokens());
    m.put("unroutedTokens", e.getUnroutedTokens());
    m.put("activations", e.getActivations());
    m.put("initialisedFrom", e.getInitialisedFrom());
    m.put("threshold", e.getThreshold());
    m.put("direction", e.getDirection());
    m.put("configHash", e.getConfigHash());
    m.put("stage", e.getStage());
    m.put("triggerShare", e.getTriggerShare());
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot write event " + e.getEventId() + " as JSON", ex);
    }
  }
}
