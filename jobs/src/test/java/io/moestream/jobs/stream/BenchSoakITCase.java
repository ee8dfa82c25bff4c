package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench soak} end to end for a few seconds at a tiny size: samples every second, a CSV and a
 * PNG, and a verdict line (the numbers of a real 20-minute soak are in the README, never asserted).
 */
class BenchSoakITCase {
  @TempDir Path tmp;

  @Test
  void samplesMemoryWritesCsvAndPlotAndAVerdict() throws Exception {
    Path out = tmp.resolve("soak");
    CliRun r =
        CliRun.of(
            "bench",
            "soak",
            "--duration",
            "12",
            "--warmup",
            "4",
            "--sample-every",
            "2",
            "--checkpoint-interval",
            "1",
            "--out",
            out.toString(),
            "--d",
            "16",
            "--ctx",
            "16",
            "--ff",
            "32",
            "--batch",
            "2");
    assertThat(r.exit()).as("%s%n%s", r.out(), r.err()).isZero();
    assertThat(r.out()).contains("soak verdict: after 4 s of warm-up, resident memory grew");
    List<String> csv = Files.readAllLines(out.resolve("soak.csv"));
    assertThat(csv.get(0)).isEqualTo(MemorySample.HEADER);
    assertThat(csv).hasSizeGreaterThanOrEqualTo(5);
    String[] last = csv.get(csv.size() - 1).split(",");
    assertThat(Double.parseDouble(last[1])).as("rss_mb").isPositive();
    assertThat(Long.parseLong(last[8])).as("corpus rounds").isPositive();
    // The soak's clock starts at the first committed summary, so every sample has a step.
    long minStep =
        csv.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[9])).min().orElse(0);
    assertThat(minStep).as("the model's step, from its summaries").isPositive();
    assertThat(Files.size(out.resolve("soak.png"))).isPositive();
    // One record of every refused kind (2 GB claim, 1 MB and 10 MB among them) at the start:
    // each one dead letter on the topic, and the job never restarted.
    int kinds = HostileRecords.all(259, 65_536, 128, 16 << 20).size();
    assertThat(kinds).isEqualTo(10);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "soak hostile records: injected (\\d+), dead letters (\\d+), job restarts (\\d+)"
                    + " \\(goal: one dead letter each, no restart: met\\)")
            .matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive().isEqualTo(kinds);
    assertThat(m.group(2)).isEqualTo(m.group(1));
    assertThat(m.group(3)).isEqualTo("0");
    assertThat(csv.get(0)).endsWith(",injected,dead_letters,restarts");
  }

  @Test
  void aWarmupLongerThanTheRunIsOneErrorLine() {
    CliRun r = CliRun.of("bench", "soak", "--duration", "10", "--warmup", "20");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("--warmup < --duration");
  }
}
