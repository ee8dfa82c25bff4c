package io.moestream.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What {@link LibtorchCalls} counts in a profiler trace, on hand-made traces. */
class LibtorchCallsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String op(String name, double ts, double dur, int tid, String pid) {
    return String.format(
        java.util.Locale.ROOT,
        "{\"name\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"tid\":%d,\"pid\":\"%s\"}",
        name,
        ts,
        dur,
        tid,
        pid);
  }

  @Test
  void countsTopLevelCallsPerThreadAndNotWhatTheyCallInside() throws Exception {
    String cpu = "CPU Functions";
    String trace =
        "["
            // matmul [0, 10) calls mm [1, 9) which calls empty [2, 3): one call
            + op("aten::empty", 2, 1, 1, cpu)
            + ","
            + op("aten::mm", 1, 8, 1, cpu)
            + ","
            + op("aten::matmul", 0, 10, 1, cpu)
            // a call starting exactly where the last one ended is another call
            + ","
            + op("aten::add", 10, 2, 1, cpu)
            // a backward node and the op it runs: one call
            + ","
            + op("autograd::engine::evaluate_function: MmBackward0", 20, 5, 1, cpu)
            + ","
            + op("aten::mm", 21, 3, 1, cpu)
            // another thread overlapping in time: counted on its own
            + ","
            + op("aten::mul", 1, 3, 2, cpu)
            // a GPU kernel is not a call
            + ","
            + op("void gemm_kernel", 1, 2, 7, "CUDA functions")
            + ",{\"name\":\"flow\",\"ph\":\"s\",\"ts\":1,\"tid\":1,\"pid\":\"CPU Functions\"}"
            + "]";
    assertThat(LibtorchCalls.topLevelOps(JSON.readTree(trace))).isEqualTo(4);
    assertThat(LibtorchCalls.topLevelOps(JSON.readTree("{\"traceEvents\":" + trace + "}")))
        .isEqualTo(4);
  }
}
