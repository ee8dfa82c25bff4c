package io.moestream.moe.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps a record's {@code domain}/{@code modality} label to the modality id the DTR router picks its
 * hypernetwork by. Unknown or missing labels map to 0, the shared default modality.
 *
 * @param ids label (lower case) to modality id ≥ 1; 0 is implicit for everything else
 */
public record ModalityMap(Map<String, Integer> ids) implements java.io.Serializable {
  /** The shared default modality of unknown domains. */
  public static final int DEFAULT = 0;

  public ModalityMap {
    Map<String, Integer> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      RouterConfig.require(e.getValue() != null && e.getValue() >= 0, "modality ids are >= 0");
      copy.put(e.getKey().strip().toLowerCase(Locale.ROOT), e.getValue());
    }
    ids = Map.copyOf(copy);
  }

  /**
   * The paper's two modalities carried over to a text stream: source code is modality 1, every
   * other domain (prose in any language, unknown) the shared default 0.
   */
  public static ModalityMap textAndCode() {
    return new ModalityMap(Map.of("source-code", 1, "code", 1));
  }

  /** Parses {@code name=id,name=id}; an empty string is the empty map (everything default). */
  public static ModalityMap parse(String text) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String[] kv = part.split("=", 2);
      RouterConfig.require(kv.length == 2, "modality mapping wants name=id, got '" + part + "'");
      try {
        m.put(kv[0], Integer.parseInt(kv[1].strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("modality id of '" + kv[0] + "' is not a number");
      }
    }
    return new ModalityMap(m);
  }

  /** The modality of a label; null, blank or unknown labels are {@link #DEFAULT}. */
  public int of(String label) {
    if (label == null) {
      return DEFAULT;
    }
    return ids.getOrDefault(label.strip().toLowerCase(Locale.ROOT), DEFAULT);
  }

  /** Number of modalities the map needs: 1 + the largest id. */
  public int count() {
    int max = DEFAULT;
    for (int v : ids.values()) {
      max = Math.max(max, v);
    }
    return max + 1;
  }
}
