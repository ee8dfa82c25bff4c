package io.moestream.jobs.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import io.moestream.jobs.process.Allocator;

/**
 * What glibc's malloc holds, from its own books ({@code mallinfo2}, glibc ≥ 2.33): the bytes handed
 * out and not yet freed, and the freed bytes it keeps for reuse. Resident memory alone cannot tell
 * a leak from an allocator that keeps what it was given back — libtorch's tensors are malloc'd, and
 * {@code ./moe} tells glibc to keep freed memory (README "Benchmarks") — these two numbers can: a
 * leak grows {@link Counts#inUseMb}, retention grows {@link Counts#freeMb}.
 */
final class NativeHeap {
  private NativeHeap() {}

  /**
   * @param inUseMb bytes allocated and not freed (small and large chunks, and mmapped blocks), MiB
   * @param freeMb bytes freed and kept in malloc's arenas for reuse, MiB
   */
  record Counts(double inUseMb, double freeMb) {
    static final Counts UNKNOWN = new Counts(Double.NaN, Double.NaN);
  }

  /** glibc's {@code struct mallinfo2}: ten {@code size_t} fields, in this order. */
  @Structure.FieldOrder({
    "arena",
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",
    "usmblks",
    "fsmblks",
    "uordblks",
    "fordblks",
    "keepcost"
  })
  public static class MallInfo2 extends Structure implements Structure.ByValue {
    public long arena;
    public long ordblks;
    public long smblks;
    public long hblks;
    public long hblkhd;
    public long usmblks;
    public long fsmblks;
    public long uordblks;
    public long fordblks;
    public long keepcost;
  }

  /** The C library, as JNA binds it. */
  interface LibC extends Library {
    MallInfo2 mallinfo2();
  }

  private static final class Holder {
    static final LibC LIBC = load();

    /**
     * glibc's malloc, or null where it is not the process's: a preloaded allocator (jemalloc in the
     * Flink image and under {@code ./moe} where installed) takes the {@code malloc} symbol, and
     * glibc's books then count only its own, unused arenas ({@link Allocator}).
     */
    private static LibC load() {
      try {
        if (!Allocator.ofThisProcess().isGlibc()) {
          return null;
        }
        return Native.load("c", LibC.class);
      } catch (LinkageError | RuntimeException e) {
        return null;
      }
    }
  }

  /**
   * The counts now, or {@link Counts#UNKNOWN} where the C library has no {@code mallinfo2} or
   * another allocator serves {@code malloc}.
   */
  static Counts now() {
    LibC c = Holder.LIBC;
    if (c == null) {
      return Counts.UNKNOWN;
    }
    try {
      MallInfo2 i = c.mallinfo2();
      double mb = 1024.0 * 1024.0;
      return new Counts((i.uordblks + i.hblkhd) / mb, i.fordblks / mb);
    } catch (LinkageError | RuntimeException e) {
      return Counts.UNKNOWN; // musl, glibc < 2.33, not Linux
    }
  }
}
