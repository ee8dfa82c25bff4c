package io.moestream.jobs.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  private static final List<String> GLIBC_ONLY =
      List.of(
          "7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6",
          "7f20-7f30 r-xp 00000000 08:01 2 /opt/torch/lib/libtorch_cpu.so",
          "7f40-7f50 rw-p 00000000 00:00 0 [heap]",
          "7f50-7f60 rw-p 00000000 00:00 0 ");

  private static List<String> with(String line) {
    List<String> maps = new java.util.ArrayList<>(GLIBC_ONLY);
    maps.add(line);
    return maps;
  }

  @Test
  void glibcWhenNoOtherAllocatorIsMappedWithTheThresholdsThatAreSet() {
    Allocator a =
        Allocator.from(
            GLIBC_ONLY, Map.of("MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_CONF", "ignored"));
    assertThat(a.isGlibc()).isTrue();
    assertThat(a.library()).isNull();
    assertThat(a.settings()).containsExactly(Map.entry("MALLOC_MMAP_THRESHOLD_", "33554432"));
    assertThat(a.describe())
        .startsWith("glibc (MALLOC_MMAP_THRESHOLD_=33554432); resident memory grows")
        .contains("libjemalloc2");
    assertThat(Allocator.from(GLIBC_ONLY, Map.of()).describe()).startsWith("glibc (its defaults);");
    // turned off on purpose: no advice to turn it on
    assertThat(Allocator.from(GLIBC_ONLY, Map.of("MOE_MALLOC", "glibc")).describe())
        .isEqualTo(
            "glibc (MOE_MALLOC=glibc); resident memory grows over long runs on glibc's malloc"
                + " (README \"Memory\")");
  }

  @Test
  void aPreloadedAllocatorIsToldFromItsFileWithItsOwnSettings() {
    Allocator je =
        Allocator.from(
            with("7f60-7f70 r-xp 00000000 08:01 3 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
            Map.of("MALLOC_CONF", "dirty_decay_ms:-1", "MALLOC_TRIM_THRESHOLD_", "4000000000"));
    assertThat(je.isGlibc()).isFalse();
    assertThat(je.name()).isEqualTo("jemalloc");
    assertThat(je.library()).isEqualTo("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
    assertThat(je.describe())
        .isEqualTo(
            "jemalloc /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 (MALLOC_CONF=dirty_decay_ms:-1)");

    Allocator tc =
        Allocator.from(
            with("7f60-7f70 r-xp 00000000 08:01 4 /usr/lib/libtcmalloc_minimal.so.4"), Map.of());
    assertThat(tc.name()).isEqualTo("tcmalloc");
    assertThat(tc.describe()).isEqualTo("tcmalloc /usr/lib/libtcmalloc_minimal.so.4");
  }

  @Test
  void settingsKeepOneOrderAndOnlyAnOptOutToGlibcSilencesTheAdvice() {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("MOE_MALLOC", "auto"); // not an opt-out: the advice stays
    env.put("MALLOC_MMAP_THRESHOLD_", "33554432");
    env.put("MALLOC_TRIM_THRESHOLD_", "4000000000");
    Allocator a = Allocator.from(GLIBC_ONLY, env);
    assertThat(a.settings().keySet())
        .containsExactly("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MOE_MALLOC");
    assertThat(a.describe())
        .startsWith(
            "glibc (MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=33554432"
                + " MOE_MALLOC=auto); resident memory grows")
        .contains("install jemalloc");
  }

  @Test
  void aDeletedOrUnusualFileIsStillToldByName() {
    Allocator deleted =
        Allocator.from(
            with("7f60-7f70 r-xp 00000000 08:01 3 /opt/my libs/libjemalloc.so.2 (deleted)"),
            Map.of());
    assertThat(deleted.name()).isEqualTo("jemalloc");
    assertThat(deleted.library()).isEqualTo("/opt/my libs/libjemalloc.so.2");
    assertThat(
            Allocator.from(
                    with("7f60-7f70 r-xp 00000000 08:01 5 /usr/lib/libtbbmalloc_proxy.so.2"),
                    Map.of())
                .name())
        .isEqualTo("tbbmalloc_proxy");
  }

  @Test
  void onlyALibraryFileCounts() {
    // a directory or a data file that merely mentions an allocator is not one
    assertThat(Allocator.preloadedName("/opt/jemalloc/lib/libtorch.so")).isNull();
    assertThat(Allocator.preloadedName("/tmp/libjemalloc-notes.txt")).isNull();
    assertThat(Allocator.preloadedName("/usr/lib/libmimalloc.so.2.1")).isEqualTo("mimalloc");
  }
}
