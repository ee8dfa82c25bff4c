package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code bench pipeline} end to end at a tiny size: the benchmark itself must keep working (its
 * numbers are reported in the README, never asserted here).
 */
class BenchPipelineITCase {
  static {
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  @Test
  void reportsPipelineAndBareLoopThroughputAndCheckpointStatistics() throws Exception {
    CliRun r =
        CliRun.of(
            "bench",
            "pipeline",
            "--tokens-per-domain",
            "3000",
            "--checkpoint-interval",
            "1",
            "--d",
            "16",
            "--ctx",
            "16",
            "--ff",
            "32",
            "--batch",
            "2",
            "--threads",
            "1");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out().strip());
    // 4 domains × 3,000 tokens in records of 512, windows of 17 tokens, 2 per step
    assertThat(j.get("steps").asLong()).isBetween(300L, 12_000L / 34);
    assertThat(j.get("pipeline_tokens_per_s").asDouble()).isPositive();
    assertThat(j.get("bare_loop_tokens_per_s").asDouble()).isPositive();
    assertThat(j.get("steady_s").asDouble()).isLessThanOrEqualTo(j.get("wall_s").asDouble());
    assertThat(j.get("pipeline_vs_bare").asDouble()).isPositive();
    assertThat(j.path("checkpoints").has("completed")).isTrue();
  }
}
