package io.moestream.moe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native bf16 casts only for a JNI that carries the patch's marker: the stock JNI dies on them, so
 * the decision reads the loaded library's file and never tries a cast.
 */
class Bf16KernelsTest {
  @TempDir Path dir;

  @Test
  void onlyALibraryCarryingTheMarkerRunsNativeKernels() throws Exception {
    Path patched = dir.resolve("0.35.1-libdjl_torch.so");
    byte[] head = new byte[70_000]; // the marker past the first read block, not at offset 0
    byte[] marker = Bf16Kernels.MARKER.getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[head.length + marker.length + 3];
    System.arraycopy(marker, 0, bytes, head.length, marker.length);
    Files.write(patched, bytes);
    Path stock = dir.resolve("stock-libdjl_torch.so");
    // almost the marker: a prefix of it, then another byte
    byte[] near = new byte[marker.length + 10];
    System.arraycopy(marker, 0, near, 0, marker.length - 1);
    Files.write(stock, near);

    Bf16Kernels.Status yes = Bf16Kernels.decide(Optional.of(patched), false);
    assertThat(yes.nativeKernels()).isTrue();
    assertThat(yes.kind()).isEqualTo("native");
    assertThat(yes.describe()).contains("native bfloat16 kernels").contains(patched.toString());

    Bf16Kernels.Status no = Bf16Kernels.decide(Optional.of(stock), false);
    assertThat(no.nativeKernels()).isFalse();
    assertThat(no.kind()).isEqualTo("emulated");
    assertThat(no.describe()).contains("emulated").contains("build-djl-jni.sh");

    assertThat(Bf16Kernels.decide(Optional.of(patched), true).nativeKernels())
        .as("-Dmoe.bf16.emulate=true")
        .isFalse();
    assertThat(Bf16Kernels.decide(Optional.empty(), false).nativeKernels()).isFalse();
    assertThat(Bf16Kernels.decide(Optional.of(dir.resolve("missing.so")), false).nativeKernels())
        .isFalse();
  }

  @Test
  void findsTheJniAmongTheProcessMappings() {
    List<String> maps =
        List.of(
            "7f0000000000-7f0000001000 r--p 00000000 08:01 123 /usr/lib/libc.so.6",
            "7f0000002000-7f0000003000 r-xp 00001000 08:01 456 /home/u/.djl.ai/pytorch/"
                + "2.7.1-cpu-linux-x86_64/0.35.1-libdjl_torch.so",
            "7f0000004000-7f0000005000 rw-p 00000000 00:00 0 [heap]");
    assertThat(Bf16Kernels.jniIn(maps))
        .contains(Path.of("/home/u/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64/0.35.1-libdjl_torch.so"));
    assertThat(Bf16Kernels.jniIn(List.of("7f-7f rw-p 0 00:00 0 [stack]"))).isEmpty();
  }

  /** In this JVM: the JNI DJL loaded is found, and the decision is what its file says. */
  @Test
  void theLoadedJniIsFoundAndJudgedByItsFile() throws Exception {
    Assumptions.assumeTrue(
        Files.isReadable(Path.of("/proc/self/maps")), "no /proc/self/maps (not Linux)");
    Bf16Kernels.Status s = Bf16Kernels.status();
    assertThat(s.jni()).as("libdjl_torch.so in /proc/self/maps").isPresent();
    assertThat(Files.isRegularFile(s.jni().get())).isTrue();
    boolean forced = Boolean.getBoolean(Bf16Kernels.EMULATE_PROPERTY);
    assertThat(s.nativeKernels()).isEqualTo(!forced && Bf16Kernels.carriesMarker(s.jni().get()));
  }
}
