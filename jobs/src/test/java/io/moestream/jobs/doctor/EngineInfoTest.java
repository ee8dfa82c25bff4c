package io.moestream.jobs.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EngineInfoTest {
  private static final String DIR = "/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64";

  @Test
  void readsTheLoadedLibtorchFilesFromProcMaps() {
    List<String> maps =
        List.of(
            "7f00-7f01 r-xp 00000000 08:01 1 " + DIR + "/libtorch_cpu.so",
            "7f01-7f02 r--p 00001000 08:01 1 " + DIR + "/libtorch_cpu.so",
            "7f02-7f03 r-xp 00000000 08:01 2 " + DIR + "/libc10.so",
            "7f03-7f04 r-xp 00000000 08:01 3 " + DIR + "/0.35.1-libdjl_torch.so",
            "7f04-7f05 r-xp 00000000 08:01 4 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f05-7f06 rw-p 00000000 00:00 0 [heap]",
            "7f06-7f07 r-xp 00000000 08:01 5 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
            "7f07-7f08 r-xp 00000000 08:01 6 /usr/lib/x86_64-linux-gnu/libgomp.so.1");
    assertThat(EngineInfo.nativeLibraries(maps))
        .containsExactly(
            DIR + "/libtorch_cpu.so",
            DIR + "/libc10.so",
            DIR + "/0.35.1-libdjl_torch.so"); // the allocator has its own line (AllocatorTest)
  }

  @Test
  void theFlavorIsTheVariableElseTheJnisDirectory() {
    List<String> loaded = List.of(DIR + "/0.35.1-libdjl_torch.so");
    assertThat(EngineInfo.flavor(null, loaded)).isEqualTo("cpu");
    assertThat(EngineInfo.flavor("cu130", loaded)).isEqualTo("cu130");
    assertThat(
            EngineInfo.flavor(
                null, List.of("/cache/pytorch/2.11.0-cu130-linux-x86_64/0.35.1-libdjl_torch.so")))
        .isEqualTo("cu130");
    assertThat(EngineInfo.flavor("", List.of())).isEqualTo("unknown");
  }
}
