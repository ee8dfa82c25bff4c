package io.moestream.jobs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.tensor.Bf16Kernels;
import io.moestream.moe.tensor.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --precision fp32|bf16}: the arithmetic of the model's dense matmuls. One mixin, so that
 * {@code train}, {@code train-local} and {@code bench train} spell and default it the same way.
 *
 * <p>A run setting like {@code --device}, not part of the model: parameters, AdamW and snapshots
 * stay float32 whatever it is, so a model trained in bf16 restores in fp32 and the other way round
 * (see {@link Precision}). Whether bf16 runs native kernels or emulates them is the loaded JNI's
 * doing ({@link Bf16Kernels}), reported, never chosen here.
 */
public final class PrecisionOptions {
  @Option(
      names = "--precision",
      paramLabel = "PRECISION",
      defaultValue = "fp32",
      converter = Converters.Precision.class,
      description =
          "Matmul arithmetic: fp32, or bf16 (attention, expert and LM-head matmuls on bfloat16"
              + " operands; gates, norms, losses and AdamW in fp32, weights and snapshots kept in"
              + " fp32; native bf16 kernels need the JNI of docker/gpu/build-djl-jni.sh, else"
              + " bf16 is emulated at fp32 speed, see 'moe doctor') (default: ${DEFAULT-VALUE}).")
  Precision precision = Precision.FP32;

  public PrecisionOptions() {}

  /** For a command that checks without parsing, and for tests. */
  public PrecisionOptions(Precision precision) {
    this.precision = precision;
  }

  public Precision choice() {
    return precision;
  }

  /**
   * Puts {@code precision} ({@code fp32}|{@code bf16}) and {@code precision_kernels} into a report:
   * {@code fp32}, or for bf16 {@code native} or {@code emulated} (bf16 numbers at fp32 speed), with
   * {@code precision_kernels_detail} saying why.
   */
  public void report(ObjectNode o) {
    o.put("precision", precision.cliName());
    if (precision == Precision.FP32) {
      o.put("precision_kernels", "fp32");
      return;
    }
    Bf16Kernels.Status s = Bf16Kernels.status();
    o.put("precision_kernels", s.kind());
    o.put("precision_kernels_detail", s.describe());
  }
}
