package io.moestream.state;

import io.moestream.schemas.RoutingRecordsState;
import io.moestream.schemas.TrainerCursorState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The trainer operator's keyed state (key = model id), declared once so the operator, the snapshot
 * exporter (State Processor API) and restore tests agree on names and types. Changing a name or
 * type breaks restoring existing savepoints: add new state instead.
 */
public final class TrainerState {
  private TrainerState() {}

  /**
   * The model as snapshot entries: {@code meta}, {@code shared}, {@code slot/<l>/<s>}; an entry
   * over 256 MB continues under {@code <key>#1}, {@code <key>#2}, ... ({@code EntryChunks}; read
   * and write it through {@link ModelEntries}).
   */
  public static final MapStateDescriptor<String, byte[]> MODEL_ENTRIES =
      new MapStateDescriptor<>(
          "model-entries", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Tokens received but not yet trained on (fewer than one batch). */
  public static final ValueStateDescriptor<int[]> PENDING_TOKENS =
      new ValueStateDescriptor<>(
          "pending-tokens", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO);

  /** The DTR modality of each pending token (same length as {@link #PENDING_TOKENS}). */
  public static final ValueStateDescriptor<int[]> PENDING_MODALITIES =
      new ValueStateDescriptor<>(
          "pending-modalities", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Counters, see {@link TrainerCursor}; an Avro record, so its schema can evolve. */
  public static final ValueStateDescriptor<TrainerCursorState> CURSOR =
      new ValueStateDescriptor<>("cursor", new AvroTypeInfo<>(TrainerCursorState.class));

  /**
   * DynMoE's routing records of the current recording window, per layer (see {@link
   * RoutingStates}); an Avro record. The {@code meta} entry carries them too, so a snapshot entry
   * set is self-contained; the operator restores them from here.
   */
  public static final ValueStateDescriptor<RoutingRecordsState> ROUTING_RECORDS =
      new ValueStateDescriptor<>("routing-records", new AvroTypeInfo<>(RoutingRecordsState.class));
}
