package io.moestream.state;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The trainer operator's keyed state (key = model id), declared once so the operator, the snapshot
 * exporter (State Processor API) and restore tests agree on names and types. Changing a name or
 * type breaks restoring existing savepoints: add new state instead.
 */
public final class TrainerState {
  private TrainerState() {}

  /** The model as snapshot entries: {@code meta}, {@code shared}, {@code slot/<l>/<s>}. */
  public static final MapStateDescriptor<String, byte[]> MODEL_ENTRIES =
      new MapStateDescriptor<>(
          "model-entries", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Tokens received but not yet trained on (fewer than one batch). */
  public static final ValueStateDescriptor<int[]> PENDING_TOKENS =
      new ValueStateDescriptor<>(
          "pending-tokens", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Counters, see {@link TrainerCursor}. */
  public static final ValueStateDescriptor<long[]> CURSOR =
      new ValueStateDescriptor<>("cursor", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
}
