package io.moestream.moe.tensor;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Tensors whose values never change — scalar operands ({@link Scalars}), the causal mask — made
 * once per device and key and then shared by every step of every trainer in the process.
 *
 * <p>Why: building one from Java values is four calls into libtorch (wrap, copy to libtorch's own
 * memory, convert, reshape) and, on a GPU, a host→device copy; a default-size step used to build
 * about 25 of them, the same ones every step. A shared constant is only ever read: ops take it as
 * their operand, never as their receiver (an op's result lands in its receiver's manager, here a
 * shared one that is never closed), autograd keeps it alive by reference counting, and no caller
 * closes or writes to it. Keys are values the configuration fixes: a value that changes every step
 * takes {@link Scalars#fresh}. The cache is bounded all the same: past {@link #LIMIT} entries a
 * constant is made afresh in the caller's manager, so a stray caller costs calls, never memory.
 *
 * <p>Never freed: a few hundred bytes per constant for the life of the class. In a Flink session
 * cluster each job's class loader has its own copy, so each job a TaskManager has run leaves its
 * constants behind (kilobytes; the causal mask at ctx 128 is 64 KiB).
 */
public final class ConstantTensors {
  static final int LIMIT = 1024;

  private static final Map<Device, NDManager> OWNERS = new ConcurrentHashMap<>();
  private static final Map<List<Object>, NDArray> CACHE = new ConcurrentHashMap<>();

  private ConstantTensors() {}

  /**
   * The constant {@code key} on {@code device}, made by {@code make} on first use.
   *
   * @param caller the manager a constant is made in when the cache is full (the caller's step)
   * @param make builds the constant in the manager it is given; must not depend on anything but
   *     {@code key} (it runs outside any lock, so it may itself use other constants)
   */
  public static NDArray get(
      Device device, NDManager caller, List<Object> key, Function<NDManager, NDArray> make) {
    List<Object> k = List.of(device, key);
    NDArray cached = CACHE.get(k);
    if (cached != null) {
      return cached;
    }
    if (CACHE.size() >= LIMIT) {
      return make.apply(caller);
    }
    NDManager owner = OWNERS.computeIfAbsent(device, NDManager::newBaseManager);
    NDArray made = make.apply(owner);
    NDScope.unregister(made); // made inside a step's scope, it must outlive the step
    NDArray raced = CACHE.putIfAbsent(k, made);
    if (raced != null) {
      made.close(); // another thread made the same constant first; nobody has seen this one
      return raced;
    }
    return made;
  }

  /** Entries held (for tests). */
  static int size() {
    return CACHE.size();
  }

  /** Forgets every entry without closing it (for tests: holders keep theirs). */
  static void forget() {
    CACHE.clear();
  }
}
