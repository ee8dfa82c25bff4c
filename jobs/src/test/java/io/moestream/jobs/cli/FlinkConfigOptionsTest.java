package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** {@code -D KEY=VALUE}: checked against the options Flink itself declares, applied last. */
class FlinkConfigOptionsTest {
  private static Configuration apply(Map<String, String> d, Map<String, String> reserved) {
    Configuration base =
        Configuration.fromMap(Map.of("rest.port", "0", "parallelism.default", "2"));
    return FlinkConfigOptions.of(d).applyTo(base, reserved);
  }

  @Test
  void theCatalogHoldsTheOptionsOfEveryFlinkModuleOnTheClasspath() {
    assertThat(FlinkOptionCatalog.options())
        .containsKeys(
            "taskmanager.memory.process.size", // flink-core
            "execution.checkpointing.timeout", // flink-core (CheckpointingOptions)
            "state.backend.rocksdb.block.cache-size", // flink-statebackend-rocksdb
            "rest.port") // flink-core (RestOptions)
        .doesNotContainKey("no.such.option");
  }

  @Test
  void settingsOverrideTheProductsAndReachTheConfiguration() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("rest.port", "8089");
    d.put("execution.checkpointing.timeout", "5 min");
    d.put("taskmanager.memory.process.size", "4g");
    Configuration c = apply(d, Map.of());
    assertThat(c.toMap())
        .containsEntry("rest.port", "8089")
        .containsEntry("execution.checkpointing.timeout", "5 min")
        .containsEntry("parallelism.default", "2");
  }

  @Test
  void keysFlinkReadsByPrefixAreAccepted() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("metrics.reporter.prom.factory.class", "org.example.Factory");
    d.put("metrics.reporter.prom.port", "9250-9260");
    d.put("pipeline.global-job-parameters.team", "ml"); // a map-typed option, read by prefix
    assertThat(apply(d, Map.of()).toMap())
        .containsEntry("metrics.reporter.prom.port", "9250-9260")
        .containsEntry("pipeline.global-job-parameters.team", "ml");
  }

  @Test
  void anUnknownKeyIsRefusedWithTheNearestKnownOnes() {
    assertThatThrownBy(() -> apply(Map.of("taskmanager.memory.proces.size", "4g"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "-D taskmanager.memory.proces.size is not a Flink configuration option; did you mean"
                + " taskmanager.memory.process.size");
    assertThatThrownBy(() -> apply(Map.of("zzz", "1"), Map.of()))
        .hasMessage("-D zzz is not a Flink configuration option");
    assertThatThrownBy(() -> apply(Map.of("metrics.reporter.", "1"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aValueOfTheWrongTypeIsRefusedWithoutQuotingIt() {
    assertThatThrownBy(
            () -> apply(Map.of("taskmanager.numberOfTaskSlots", "s3cret-many"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "-D taskmanager.numberOfTaskSlots needs an Integer, the value given does not parse as"
                + " one")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> apply(Map.of("execution.checkpointing.timeout", "soon"), Map.of()))
        .hasMessageContaining("needs a Duration");
    assertThatThrownBy(() -> apply(Map.of("execution.checkpointing.mode", "MAYBE"), Map.of()))
        .hasMessageContaining("needs one of [EXACTLY_ONCE, AT_LEAST_ONCE]");
  }

  @Test
  void aReservedKeyIsRefusedSayingWhy() {
    assertThatThrownBy(
            () ->
                apply(
                    Map.of("parallelism.default", "4"),
                    Map.of("parallelism.default", "set by --parallelism")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-D parallelism.default is not allowed: set by --parallelism");
  }
}
