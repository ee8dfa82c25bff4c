package io.moestream.jobs.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the libtorch operator calls of a stretch of work with PyTorch's own profiler (through
 * DJL's {@code JniUtils.startProfile/stopProfile}, which writes a chrome-trace JSON).
 *
 * <p>What the trace holds (DJL 0.35.1 on libtorch 2.7.1, checked): one complete event ({@code "ph":
 * "X"}, {@code "pid": "CPU Functions"}) per operator invocation, with start and duration, nested
 * ones included, and one per autograd backward node ({@code "autograd::engine::evaluate_function:
 * MmBackward0"}) wrapping the ops that node runs. What is counted: the events that are
 * <em>top-level</em> on their thread, not inside another event's interval — each operator the Java
 * side called ({@code aten::matmul}, not the {@code aten::mm} and {@code aten::empty} it calls
 * inside) and each backward node (not its ops). That is the number of times the step entered
 * libtorch's dispatcher from outside, which is what per-call overhead scales with; it covers the
 * forward pass, the backward pass and the optimizer. Events of a GPU stream ({@code pid} naming
 * CUDA) are kernels, not calls, and are left out. Profiling slows the ops down, so it runs on extra
 * steps after the timed ones.
 */
final class LibtorchCalls {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LibtorchCalls() {}

  /** Runs {@code work} under the profiler and returns its top-level operator calls. */
  static long count(boolean useCuda, Path traceFile, Runnable work) throws IOException {
    // -Dmoe.bench.trace.shapes=true: input shapes in the kept trace (which op is big), slower
    JniUtils.startProfile(useCuda, Boolean.getBoolean("moe.bench.trace.shapes"), false);
    try {
      work.run();
    } finally {
      JniUtils.stopProfile(traceFile.toString());
    }
    return topLevelOps(JSON.readTree(traceFile.toFile()));
  }

  /** Top-level complete events per thread of a chrome trace (an array or {traceEvents: [...]}). */
  static long topLevelOps(JsonNode trace) {
    JsonNode events = trace.isArray() ? trace : trace.path("traceEvents");
    Map<String, List<double[]>> byThread = new HashMap<>();
    for (JsonNode e : events) {
      if (!"X".equals(e.path("ph").asText()) || !isOperator(e)) {
        continue;
      }
      double ts = e.path("ts").asDouble();
      double dur = e.path("dur").asDouble();
      String thread = e.path("pid").asText() + "/" + e.path("tid").asText();
      byThread.computeIfAbsent(thread, k -> new ArrayList<>()).add(new double[] {ts, ts + dur});
    }
    long top = 0;
    for (List<double[]> spans : byThread.values()) {
      // Starts ascending, longer first on a tie: an enclosing op comes before what it encloses.
      spans.sort(Comparator.<double[]>comparingDouble(s -> s[0]).thenComparingDouble(s -> -s[1]));
      Deque<Double> open = new ArrayDeque<>(); // end times of the enclosing ops
      for (double[] s : spans) {
        while (!open.isEmpty() && open.peek() <= s[0]) {
          open.pop();
        }
        if (open.isEmpty()) {
          top++;
        }
        open.push(s[1]);
      }
    }
    return top;
  }

  /**
   * Host-side events: the legacy profiler puts them under {@code "pid": "CPU Functions"} with no
   * category (the Kineto format tags them {@code "cat": "cpu_op"}); GPU kernels and copies, under a
   * CUDA pid or their own category, are work a call launched, not calls.
   */
  private static boolean isOperator(JsonNode e) {
    if (e.path("pid").asText("").toLowerCase(java.util.Locale.ROOT).contains("cuda")) {
      return false;
    }
    String cat = e.path("cat").asText("");
    return cat.isEmpty() || cat.equals("cpu_op") || cat.equals("user_annotation");
  }
}
