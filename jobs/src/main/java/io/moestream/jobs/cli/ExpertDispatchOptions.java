package io.moestream.jobs.cli;

import io.moestream.moe.model.ExpertDispatch;
import picocli.CommandLine.Option;

/**
 * {@code --expert-dispatch per-expert|grouped}: how a layer's routed tokens reach its experts. One
 * mixin, so that {@code train-local} and {@code bench train} spell and default it the same way. A
 * speed choice only: both compute the same model to float rounding, and nothing saved records it.
 */
public final class ExpertDispatchOptions {
  @Option(
      names = "--expert-dispatch",
      paramLabel = "DISPATCH",
      defaultValue = "per-expert",
      converter = Converters.Dispatch.class,
      description =
          "How routed tokens reach the experts: per-expert (two matmuls per active expert, as"
              + " every release has done) or grouped (all experts of a layer in"
              + " one padded batched matmul per projection; equal to float rounding)"
              + " (default: ${DEFAULT-VALUE}).")
  ExpertDispatch dispatch = ExpertDispatch.PER_EXPERT;

  public ExpertDispatchOptions() {}

  public ExpertDispatch dispatch() {
    return dispatch;
  }
}
