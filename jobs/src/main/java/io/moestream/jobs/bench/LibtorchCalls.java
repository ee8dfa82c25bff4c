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
 * <p>What is counted: the trace's complete events ({@code "ph": "X"}), one per {@code aten::} (or
 * other registered) operator invocation, that are <em>top-level</em> on their thread — not inside
 * another operator's interval. An op called from Java ({@code aten::matmul}) records the ops it
 * calls internally ({@code aten::mm}, {@code aten::empty}, ...) nested inside its own interval;
 * those are not counted, so the figure is "operator calls the step asked libtorch for", which is
 * what per-call dispatch overhead scales with. Autograd's backward nodes run their ops outside any
 * Java-initiated op, so their top-level ops are counted too: the figure covers forward, backward
 * and the optimizer. Profiling slows the ops down, so it runs on extra steps after the timed ones.
 */
final class LibtorchCalls {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LibtorchCalls() {}

  /** Runs {@code work} under the profiler and returns its top-level operator calls. */
  static long count(boolean useCuda, Path traceFile, Runnable work) throws IOException {
    JniUtils.startProfile(useCuda, false, false);
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
   * CPU operator events: the legacy profiler tags them {@code "cat": "cpu_op"} (or leaves the
   * category out); GPU kernels and memcpy events are not operator calls.
   */
  private static boolean isOperator(JsonNode e) {
    String cat = e.path("cat").asText("");
    return cat.isEmpty() || cat.equals("cpu_op") || cat.equals("Operator");
  }
}
