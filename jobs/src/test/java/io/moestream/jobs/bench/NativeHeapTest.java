package io.moestream.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NativeHeapTest {
  @Test
  void aDirectBufferShowsUpAsMemoryInUse() {
    NativeHeap.Counts before = NativeHeap.now();
    assumeTrue(
        Double.isFinite(before.inUseMb()), "no mallinfo2 in this C library (glibc >= 2.33 only)");
    // A direct buffer is malloc'd by the JVM, as libtorch's tensors are by libtorch.
    ByteBuffer held = ByteBuffer.allocateDirect(64 << 20);
    NativeHeap.Counts after = NativeHeap.now();
    assertThat(after.inUseMb() - before.inUseMb()).isBetween(63.0, 80.0);
    assertThat(after.freeMb()).isNotNegative();
    assertThat(held.capacity()).isEqualTo(64 << 20); // kept reachable until the second reading
  }

  @Test
  void aPreloadedAllocatorIsToldFromTheMappedLibraries() {
    String glibcOnly =
        "7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
            + "7f20-7f30 r-xp 00000000 08:01 2 /opt/torch/lib/libtorch_cpu.so\n"
            + "7f40-7f50 rw-p 00000000 00:00 0 \n";
    assertThat(NativeHeap.otherAllocatorMapped(glibcOnly)).isFalse();
    assertThat(
            NativeHeap.otherAllocatorMapped(
                glibcOnly
                    + "7f60-7f70 r-xp 00000000 08:01 3 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"))
        .isTrue();
    assertThat(
            NativeHeap.otherAllocatorMapped(
                glibcOnly + "7f60-7f70 r-xp 00000000 08:01 4 /usr/lib/libtcmalloc_minimal.so.4\n"))
        .isTrue();
  }
}
