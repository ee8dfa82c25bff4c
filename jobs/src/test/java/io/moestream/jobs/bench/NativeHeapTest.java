package io.moestream.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.moestream.jobs.process.Allocator;
import org.junit.jupiter.api.Test;

class NativeHeapTest {
  private static final long BLOCK = 256L << 20;

  @Test
  void aMallocdBlockShowsUpAsInUseAndGoesWhenFreed() {
    // Decided from the environment, not from the reading: a broken binding must fail, not skip.
    assumeTrue(glibcAtLeast(2, 33), "not glibc >= 2.33 (mallinfo2 is glibc's, since 2.33)");
    assumeTrue(Allocator.ofThisProcess().isGlibc(), "another allocator is preloaded in this JVM");
    assertThat(NativeHeap.now().inUseMb()).isPositive();
    // Other threads of this test JVM allocate and free too (its GC frees direct buffers): a block
    // far larger than their traffic, and a few tries, keep their noise out of the verdict.
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int attempt = 0; attempt < 3; attempt++) {
      NativeHeap.Counts before = NativeHeap.now();
      long block = Native.malloc(BLOCK); // what libtorch does for a tensor
      assertThat(block).isNotZero();
      NativeHeap.Counts held = NativeHeap.now();
      Native.free(block);
      NativeHeap.Counts after = NativeHeap.now();
      best[0] = Math.min(best[0], Math.abs(held.inUseMb() - before.inUseMb() - 256));
      best[1] = Math.min(best[1], Math.abs(held.inUseMb() - after.inUseMb() - 256));
      assertThat(after.freeMb()).isNotNegative();
    }
    assertThat(best[0]).as("MiB off 256 when allocated").isLessThan(16);
    assertThat(best[1]).as("MiB off 256 when freed").isLessThan(16);
  }

  /** glibc's own version call; absent from other C libraries. */
  interface GnuLibC extends Library {
    String gnu_get_libc_version();
  }

  private static boolean glibcAtLeast(int major, int minor) {
    try {
      String[] v = Native.load("c", GnuLibC.class).gnu_get_libc_version().split("\\.");
      int a = Integer.parseInt(v[0]);
      int b = Integer.parseInt(v[1]);
      return a > major || (a == major && b >= minor);
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }
}
