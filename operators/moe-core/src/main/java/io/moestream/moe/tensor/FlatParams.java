package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Parameters laid out back to back in one flat float32 buffer, each a view of its own segment
 * ({@link ParameterStore#pack}):
 *
 * <pre>
 * values = [ p₀ | 0… | p₁ | 0… | … | pₙ₋₁ ]      (size,)
 * offset(i) = start of pᵢ, a multiple of 16 floats (64 bytes)
 * </pre>
 *
 * <p>Why: an optimizer step is a dozen element-wise operations per tensor, each a call into
 * libtorch (and a kernel launch on a GPU); on the buffer it is a dozen for the whole group. Buffers
 * with the same layout (an optimizer's moments) get their own views with {@link #viewsOf}, and the
 * members' gradients, which autograd keeps as tensors of their own, are laid out the same way by
 * {@link #concat} — one copy, one call.
 */
public final class FlatParams {
  /** Segment alignment in floats: 64 bytes, libtorch's own allocation alignment. */
  static final int ALIGN = 16;

  private final NDArray values;
  private final List<Param> params;
  private final long[] offsets;

  /** Zeros for the padding after each member (null where none), made once with the buffer. */
  private final List<NDArray> gaps = new ArrayList<>();

  FlatParams(NDArray values, List<Param> params, long[] offsets) {
    this.values = values;
    this.params = List.copyOf(params);
    this.offsets = offsets.clone();
    for (int i = 0; i < params.size(); i++) {
      long gap = (i + 1 < params.size() ? offsets[i + 1] : size()) - end(i);
      NDArray zeros = null;
      if (gap > 0) {
        zeros = values.getManager().zeros(new Shape(gap), DataType.FLOAT32);
        NDScope.unregister(zeros);
      }
      gaps.add(zeros);
    }
  }

  /** Segment starts of {@code members} (aligned), then the buffer's size: n + 1 numbers. */
  static long[] offsets(List<Param> members) {
    long[] out = new long[members.size() + 1];
    long at = 0;
    for (int i = 0; i < members.size(); i++) {
      at = (at + ALIGN - 1) / ALIGN * ALIGN;
      out[i] = at;
      at += members.get(i).value().size();
    }
    out[members.size()] = at;
    return out;
  }

  /** A view of {@code flat}'s elements [offset, offset + shape.size()) shaped {@code shape}. */
  static NDArray segment(NDArray flat, long offset, Shape shape) {
    try (NDArray slice = flat.get(new NDIndex().addSliceDim(offset, offset + shape.size()))) {
      NDArray view = slice.reshape(shape);
      NDScope.unregister(view); // lives as long as the buffer, not as long as a step
      return view;
    }
  }

  /** The buffer: every member's values (and zeros between segments). */
  public NDArray values() {
    return values;
  }

  /** The members, in buffer order; each one's value is a view of {@link #values()}. */
  public List<Param> params() {
    return Collections.unmodifiableList(params);
  }

  /** Number of elements of the buffer, padding included. */
  public long size() {
    return offsets[params.size()];
  }

  /** Where member {@code i}'s segment starts. */
  public long offset(int i) {
    return offsets[i];
  }

  /** Where member {@code i}'s segment ends (exclusive). */
  public long end(int i) {
    return offsets[i] + params.get(i).value().size();
  }

  /** A new zero buffer of this layout, owned by {@code m}, kept beyond any step. */
  public NDArray newBuffer(NDManager m) {
    NDArray b = m.zeros(new Shape(size()), DataType.FLOAT32);
    NDScope.unregister(b);
    return b;
  }

  /** Each member's view of {@code buffer}, a buffer of this layout, in member order. */
  public List<NDArray> viewsOf(NDArray buffer) {
    List<NDArray> out = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      out.add(segment(buffer, offsets[i], params.get(i).value().getShape()));
    }
    return out;
  }

  /** A view of {@code buffer}'s elements [0, end): e.g. the members up to some index. */
  public static NDArray prefix(NDArray buffer, long end) {
    return segment(buffer, 0, new Shape(end));
  }

  /**
   * One tensor of this layout holding {@code perMember.get(i)} in member i's segment and zeros in
   * the padding: (size,), a new tensor in the first member tensor's manager.
   *
   * @param perMember one tensor per member, shaped like it, in member order
   */
  public NDArray concat(List<NDArray> perMember) {
    if (perMember.size() != params.size()) {
      throw new IllegalArgumentException(
          perMember.size() + " tensors for " + params.size() + " packed parameters");
    }
    NDList parts = new NDList();
    for (int i = 0; i < params.size(); i++) {
      parts.add(perMember.get(i).reshape(-1));
      if (gaps.get(i) != null) {
        parts.add(gaps.get(i));
      }
    }
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
  }
}
