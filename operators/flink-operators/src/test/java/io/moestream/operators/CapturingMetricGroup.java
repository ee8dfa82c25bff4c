package io.moestream.operators;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** Keeps the counters the code under test registers, whatever group it asks for. */
final class CapturingMetricGroup extends UnregisteredMetricsGroup {
  final Map<String, Counter> counters = new HashMap<>();

  @Override
  public Counter counter(String name) {
    return counter(name, new SimpleCounter());
  }

  @Override
  public <C extends Counter> C counter(String name, C counter) {
    counters.put(name, counter);
    return counter;
  }

  @Override
  public MetricGroup addGroup(String key, String value) {
    return this;
  }

  @Override
  public MetricGroup addGroup(String name) {
    return this;
  }
}
