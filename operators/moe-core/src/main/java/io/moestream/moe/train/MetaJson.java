package io.moestream.moe.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.codec.SnapshotCodec.CorruptSnapshotException;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code meta} entry as a versioned JSON document, like the export manifest: every config field
 * by name, so a field added later cannot shift the others. The schema is strict: a reader refuses a
 * newer version, an unknown field or a missing one with one clear line instead of guessing; a
 * change to the document (any field added, removed or renamed, here or in the config records)
 * raises {@link #VERSION}, and this reader must keep reading every earlier version ({@code
 * MetaJsonTest} pins version 1 with a committed fixture).
 *
 * <p>How an earlier version keeps loading once a config record gains a field: the document binds
 * the live records, so version 1's committed fixture stops loading the moment a field is added
 * ({@code version1StillLoadsAndTodaysWriterProducesItsExactBytes} fails on the missing field). The
 * change that adds the field therefore raises {@link #VERSION} and adds, before binding, a step
 * that edits an earlier document's JSON tree into the current shape (the new field at the value
 * that reproduces the old behaviour), one step per version, tested on that version's fixture.
 * Frozen copies of old records are not needed.
 */
final class MetaJson {
  static final String FORMAT = "moestream-trainer-meta";
  static final int VERSION = 2;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private MetaJson() {}

  /**
   * Version 2 of the document (version 1 lacked {@code train.pruneMaxShare} and {@code
   * train.budget}; {@link #upgrade} adds them).
   *
   * @param format always {@link #FORMAT}
   * @param formatVersion {@link #VERSION}
   * @param model the model's shape and router
   * @param train optimizer and lifecycle settings
   * @param step training steps taken
   * @param rngState the trainer's RNG state
   * @param sharedAge AdamW step count of the shared parameters
   * @param layers one entry per MoE layer
   */
  record Document(
      String format,
      int formatVersion,
      ModelConfig model,
      TrainConfig train,
      long step,
      long rngState,
      long sharedAge,
      List<Layer> layers) {}

  /**
   * One MoE layer: its expert slots and its routing records (DESIGN §2.1).
   *
   * @param slotAges AdamW step count of each slot
   * @param active whether each slot holds an active expert
   * @param activations R_E: tokens that activated each slot in the current window
   * @param unroutedSum R_S: sum of the inputs of tokens no expert took
   * @param tokens tokens recorded in the window
   * @param unroutedTokens of them, tokens with k = 0
   */
  record Layer(
      long[] slotAges,
      boolean[] active,
      long[] activations,
      double[] unroutedSum,
      long tokens,
      long unroutedTokens) {}

  static byte[] write(TrainerMeta m) throws IOException {
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < m.slotAges().length; l++) {
      RoutingRecords r = m.records()[l];
      layers.add(
          new Layer(
              m.slotAges()[l],
              m.active()[l],
              r.activations(),
              r.unroutedSum(),
              r.tokens(),
              r.unroutedTokens()));
    }
    return JSON.writeValueAsBytes(
        new Document(
            FORMAT, VERSION, m.model(), m.train(), m.step(), m.rngState(), m.sharedAge(), layers));
  }

  static TrainerMeta read(byte[] json) {
    Document d;
    try {
      JsonNode tree = JSON.readTree(json);
      checkVersion(tree);
      d = JSON.treeToValue(upgrade(tree), Document.class);
    } catch (ValueInstantiationException e) { // a config record refused a value
      Throwable why = e.getCause() != null ? e.getCause() : e;
      throw new CorruptSnapshotException("meta", "invalid config: " + why.getMessage());
    } catch (IOException e) {
      throw new CorruptSnapshotException(
          "meta", "bad JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    if (d.layers().isEmpty()) {
      throw new CorruptSnapshotException("meta", "no layers");
    }
    int n = d.layers().size();
    long[][] ages = new long[n][];
    boolean[][] active = new boolean[n][];
    RoutingRecords[] records = new RoutingRecords[n];
    int slots = d.layers().get(0).slotAges().length;
    for (int l = 0; l < n; l++) {
      Layer y = d.layers().get(l);
      if (y.slotAges().length != slots
          || y.active().length != slots
          || y.activations().length != slots) {
        throw new CorruptSnapshotException(
            "meta", "layer " + l + " does not have " + slots + " slots");
      }
      ages[l] = y.slotAges();
      active[l] = y.active();
      records[l] =
          new RoutingRecords(y.activations(), y.unroutedSum(), y.tokens(), y.unroutedTokens());
    }
    return new TrainerMeta(
        d.model(), d.train(), d.step(), d.rngState(), d.sharedAge(), ages, active, records);
  }

  /**
   * An earlier version's tree edited into the current shape, one step per version, each adding what
   * that version lacked at the value that reproduces its behaviour.
   *
   * <ul>
   *   <li>1 → 2: {@code train.pruneMaxShare} = 0 (v1 pruned only unused experts) and {@code
   *       train.budget} = {@link KBudget#off()} (DynMoE without a compute budget).
   * </ul>
   */
  private static JsonNode upgrade(JsonNode tree) {
    if (tree.path("formatVersion").asInt() < 2 && tree.path("train") instanceof ObjectNode train) {
      train.put("pruneMaxShare", 0.0);
      train.set("budget", JSON.valueToTree(KBudget.off()));
      ((ObjectNode) tree).put("formatVersion", 2);
    }
    return tree;
  }

  /** Refuses another format or a version this build does not know, before binding any field. */
  private static void checkVersion(JsonNode tree) {
    String format = tree.path("format").asText(null);
    JsonNode version = tree.path("formatVersion");
    if (!FORMAT.equals(format) || !version.canConvertToInt()) {
      throw new CorruptSnapshotException(
          "meta", "not a " + FORMAT + " document (format " + format + ", version " + version + ")");
    }
    if (version.asInt() > VERSION) {
      throw new CorruptSnapshotException(
          "meta",
          FORMAT
              + " v"
              + version.asInt()
              + " was written by a newer moe-stream; this build reads up to v"
              + VERSION);
    }
    if (version.asInt() < 1) {
      throw new CorruptSnapshotException(
          "meta", FORMAT + " v" + version.asInt() + " does not exist");
    }
  }
}
