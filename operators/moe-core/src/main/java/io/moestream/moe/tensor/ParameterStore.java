package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every trainable tensor of a model, by name, in a fixed order, all owned by one long-lived {@link
 * NDManager}. Per-step tensors live in sub-managers of {@link #manager()} and are closed at the end
 * of the step; only the tensors registered here (and the optimizer's moments) survive.
 *
 * <p>Once {@link #pack}ed, a parameter is a view of its group's flat buffer (which lives here too):
 * write into it in place ({@link #assign}, {@link HostFloats#copyInto}), never close it or put
 * another tensor in its place, or the optimizer would go on updating the buffer alone.
 */
public final class ParameterStore implements AutoCloseable {
  private final NDManager manager;
  private final Map<String, Param> params = new LinkedHashMap<>();
  private final Set<String> packed = new HashSet<>();

  public ParameterStore(NDManager manager) {
    this.manager = manager;
  }

  public NDManager manager() {
    return manager;
  }

  /**
   * Registers a float32 tensor built from host values; gradients are attached. Every parameter is a
   * contiguous tensor in libtorch's own memory (this copy, or a segment view once {@link #pack}ed):
   * the CPU optimizer writes into parameters through their memory ({@link HostMemory}).
   */
  public Param add(
      String name,
      float[] values,
      Shape shape,
      int layer,
      int slot,
      boolean slotAxis,
      boolean decay) {
    if (params.containsKey(name)) {
      throw new IllegalStateException("parameter registered twice: " + name);
    }
    // A copy made by libtorch: its allocator aligns every tensor to 64 bytes, whereas the array
    // made from Java memory lands wherever the direct buffer happens to be, and MKL's kernels give
    // alignment-dependent roundings — training would not be reproducible from its seed.
    NDArray fromJava = manager.create(values, shape);
    NDArray value = fromJava.duplicate();
    fromJava.close();
    value.setName(name);
    value.setRequiresGradient(true);
    Param p = new Param(name, value, layer, slot, slotAxis, decay);
    params.put(name, p);
    return p;
  }

  public NDArray get(String name) {
    Param p = params.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return p.value();
  }

  public Param param(String name) {
    Param p = params.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return p;
  }

  public boolean contains(String name) {
    return params.containsKey(name);
  }

  /** All parameters in registration order. */
  public List<Param> all() {
    return Collections.unmodifiableList(new ArrayList<>(params.values()));
  }

  /** Parameters of one expert slot of one layer. */
  public List<Param> slot(int layer, int slot) {
    List<Param> out = new ArrayList<>();
    for (Param p : params.values()) {
      if (p.layer() == layer && p.slot() == slot) {
        out.add(p);
      }
    }
    return out;
  }

  /** Overwrites a parameter's values in place (no autograd history), keeping shape and dtype. */
  public void assign(String name, float[] values) {
    NDArray v = get(name);
    if (v.getDataType() != DataType.FLOAT32 || v.size() != values.length) {
      throw new IllegalArgumentException("shape/dtype mismatch assigning " + name);
    }
    Autograd.noGrad(() -> HostFloats.copyInto(v, values));
  }

  /**
   * Moves the named float32 parameters into one new flat buffer and makes each of them a view of
   * its segment, values unchanged: an update of the whole buffer then updates them all in one
   * libtorch call per operation (see {@link FlatParams}). Every segment starts on a 64-byte
   * boundary, as a tensor of its own would (libtorch aligns its allocations), so kernels reading a
   * parameter take the same alignment-dependent paths as before and results do not change; the
   * padding between segments holds zeros. Call before anything keeps a parameter's tensor: the
   * names then refer to the views.
   *
   * @return the buffer and its segments, in the order given
   */
  public FlatParams pack(List<String> names) {
    List<Param> members = new ArrayList<>();
    for (String name : names) {
      Param p = param(name);
      if (p.value().getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException("only float32 parameters pack, not " + name);
      }
      if (!packed.add(name)) {
        // a second pack would close the views the first buffer's owner still updates
        throw new IllegalStateException("parameter packed twice: " + name);
      }
      members.add(p);
    }
    long[] offsets = FlatParams.offsets(members);
    NDArray flat = manager.zeros(new Shape(offsets[members.size()]), DataType.FLOAT32);
    NDScope.unregister(flat);
    List<Param> views = new ArrayList<>();
    Autograd.noGrad(
        () -> {
          for (int i = 0; i < members.size(); i++) {
            Param p = members.get(i);
            NDArray view = FlatParams.segment(flat, offsets[i], p.value().getShape());
            HostFloats.copyInto(view, p.value());
            p.value().close();
            view.setName(p.name());
            view.setRequiresGradient(true);
            Param packed = new Param(p.name(), view, p.layer(), p.slot(), p.slotAxis(), p.decay());
            params.put(p.name(), packed); // an existing key: the registration order stays
            views.add(packed);
          }
        });
    return new FlatParams(flat, views, offsets);
  }

  public long parameterCount() {
    long n = 0;
    for (Param p : params.values()) {
      n += p.value().size();
    }
    return n;
  }

  @Override
  public void close() {
    manager.close();
  }
}
