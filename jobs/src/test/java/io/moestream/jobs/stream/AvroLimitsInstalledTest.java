package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.MoeCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CLI sets Avro's field length limits itself ({@code AvroLimits.install()} in {@link MoeCli}'s
 * class initialisation), so a JVM started without the launcher's {@code -D} flags refuses a record
 * claiming 2 GB with Avro's {@code SystemLimitException} instead of allocating it. Each case runs
 * {@link AvroLimitsProbe} in a fresh JVM with a 64 MB heap and no Avro limit flags.
 */
class AvroLimitsInstalledTest {
  @Test
  void loadingTheCliMakesAvroRefuseA2GbClaim() throws Exception {
    assertThat(probe(MoeCli.class.getName())).isEqualTo("org.apache.avro.SystemLimitException");
  }

  /** The control: without the CLI's class initialisation the same decode runs out of memory. */
  @Test
  void withoutTheCliAvroTriesToAllocateTheClaim() throws Exception {
    assertThat(probe()).isEqualTo("java.lang.OutOfMemoryError");
  }

  /** The probe's last line of output. */
  private static String probe(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(AvroLimitsProbe.class.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(out).isNotEmpty();
    return lines.get(lines.size() - 1);
  }
}
