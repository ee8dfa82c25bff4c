package io.moestream.jobs.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.tensor.Bf16Kernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build-djl-jni.sh}'s bfloat16 patch, run on DJL v0.35.1's own two source files (test
 * resources, Apache-2.0, unchanged): it maps bfloat16 both ways, keeps bf16 casts differentiable
 * and only those, compiles in the marker {@link Bf16Kernels} looks for, is idempotent, and refuses
 * sources it does not recognise. (The patched JNI built and ran: docs/decisions.md "Issue 17 point
 * 4, landed".)
 */
class Bf16JniPatchTest {
  private static final Path DOCKER = Path.of(System.getProperty("moe.docker.dir", "../docker"));
  private static final Path SCRIPT = DOCKER.resolve("gpu/build-djl-jni.sh");
  private static final String H = "djl_pytorch_utils.h";
  private static final String CC = "ai_djl_pytorch_jni_PyTorchLibrary_tensor.cc";

  @TempDir Path dir;

  @BeforeEach
  void sources() throws IOException {
    for (String f : new String[] {H, CC}) {
      try (var in = getClass().getResourceAsStream("/djl-0.35.1-native/" + f)) {
        Files.copy(in, dir.resolve(f));
      }
    }
  }

  @Test
  void theScriptsMarkerIsTheOneTheProjectReads() throws IOException {
    Matcher m = Pattern.compile("(?m)^bf16_marker=\"([^\"]+)\"").matcher(Files.readString(SCRIPT));
    assertThat(m.find()).as("bf16_marker= in %s", SCRIPT).isTrue();
    assertThat(m.group(1)).isEqualTo(Bf16Kernels.MARKER);
  }

  @Test
  void patchesDjlsSourcesOnceAndOnlyTheBf16Casts() throws Exception {
    String h0 = read(H);
    String cc0 = read(CC);
    assertThat(patch().exit).isZero();
    String h = read(H);
    String cc = read(CC);
    assertThat(h)
        .contains(
            "    case 11:  // DJL DataType.BFLOAT16 ("
                + Bf16Kernels.MARKER
                + ")\n"
                + "      return torch::kBFloat16;\n    default:")
        .contains(
            "  } else if (torch::kBFloat16 == type) {  // "
                + Bf16Kernels.MARKER
                + "\n"
                + "    return 11;\n  } else if (torch::kComplexFloat == type) {");
    assertThat(h.length() - h0.length()).as("nothing else in the header").isLessThan(200);
    String torchTo = cc.substring(cc.indexOf("PyTorchLibrary_torchTo("));
    torchTo = torchTo.substring(0, torchTo.indexOf("API_END_RETURN()"));
    assertThat(torchTo)
        .doesNotContain("torch::NoGradGuard NoGradGuard;")
        .contains("c10::AutoGradMode grad_mode(bf16_cast && c10::GradMode::is_enabled());");
    // every other op keeps DJL's guard
    assertThat(count(cc, "torch::NoGradGuard NoGradGuard;"))
        .isEqualTo(count(cc0, "torch::NoGradGuard NoGradGuard;") - 1);
    assertThat(cc)
        .contains("const char moestream_djl_bf16_patch[] = \"" + Bf16Kernels.MARKER + "\";");

    assertThat(patch().exit).as("a second run").isZero();
    assertThat(read(H)).as("idempotent").isEqualTo(h);
    assertThat(read(CC)).as("idempotent").isEqualTo(cc);
  }

  @Test
  void refusesSourcesItDoesNotRecognise() throws Exception {
    Files.writeString(dir.resolve(H), read(H).replace("return torch::kComplexFloat;", "return x;"));
    Run r = patch();
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.err).contains("error: ", "update this script's bf16 patch");
  }

  private record Run(int exit, String err) {}

  /** The script's {@code patch_bf16} function, taken from the script itself, on {@link #dir}. */
  private Run patch() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/bin/bash")) && Files.isExecutable(Path.of("/usr/bin/perl")),
        "needs bash and perl, as build-djl-jni.sh does");
    String program =
        "set -euo pipefail\n"
            + "die() { echo \"error: $*\" >&2; exit 1; }\n"
            + "eval \"$(sed -n '/^bf16_marker=/p; /^patch_bf16() {/,/^}/p' \"$1\")\"\n"
            + "patch_bf16 \"$2\"\n";
    Process p =
        new ProcessBuilder("/bin/bash", "-c", program, "patch", SCRIPT.toString(), dir.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), err);
  }

  private String read(String f) throws IOException {
    return Files.readString(dir.resolve(f));
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
