package io.moestream.moe.config;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * EvoMoE's settings (DESIGN §2.4, evomoe.txt): the three-stage schedule for a stream, the evolution
 * values β and the shape of the Dynamic Token-aware Router (DTR).
 *
 * <pre>
 * stage(step) = WARMUP     for step &lt; warmupSteps                      dense: expert 0 only
 *             = EVOLUTION  for step &lt; warmupSteps + evolutionSteps     θ_n ← β_n θ_n + (1−β_n) θ_0
 *             = DTR        afterwards                                  DTR top-1 over all experts
 * β_n ~ U[betaLow[(n−1) mod R], betaHigh[(n−1) mod R]]  drawn every evolution step, n = 1..E−1
 * </pre>
 *
 * @param warmupSteps stage I length: every parameter except the evolved experts and the DTR trains,
 *     tokens go to expert 0 (the dense FFN)
 * @param evolutionSteps stage II length: expert 0 trains, experts 1..E−1 follow it by the blend
 * @param betaLow lower ends of the per-expert β ranges (R ranges; evolved expert n uses range (n−1)
 *     mod R)
 * @param betaHigh upper ends, same length; each range within [0, 1] and low ≤ high
 * @param hyperHidden width of each hypernetwork's hidden layer
 * @param rank width r of the DTR's generated down/up projection (SwiGLU on r units)
 * @param modalities hypernetworks per layer: modality ids 0..modalities−1, 0 is the shared default
 * @param paperFreezing true: train exactly what the paper trains per stage (II: expert 0 only; III:
 *     hypernetworks and router only); false: every parameter except the evolved experts trains in
 *     every stage (the replicated-experts baseline, MoE-LLaVA-style stage III)
 * @param evolve true: experts are replicated from expert 0 at the end of warm-up and stage II
 *     blends them; false: stage II trains expert 0 alone (as a dense FFN) and the experts are plain
 *     copies of it when the DTR stage begins (MoE-tuning's replicated initialisation)
 */
public record EvoMoeConfig(
    long warmupSteps,
    long evolutionSteps,
    double[] betaLow,
    double[] betaHigh,
    int hyperHidden,
    int rank,
    int modalities,
    boolean paperFreezing,
    boolean evolve)
    implements java.io.Serializable {

  /** The stage a step belongs to. */
  public enum Stage {
    WARMUP,
    EVOLUTION,
    DTR
  }

  /** The paper's ranges, one per evolved expert: [0.9, 0.99], [0.8, 0.89], [0.7, 0.79]. */
  public static final double[] PAPER_BETA_LOW = {0.9, 0.8, 0.7};

  public static final double[] PAPER_BETA_HIGH = {0.99, 0.89, 0.79};

  public EvoMoeConfig {
    RouterConfig.require(warmupSteps >= 0, "EvoMoE warm-up steps must be >= 0");
    RouterConfig.require(evolutionSteps >= 0, "EvoMoE evolution steps must be >= 0");
    RouterConfig.require(
        betaLow != null && betaHigh != null && betaLow.length >= 1,
        "EvoMoE needs at least one beta range");
    RouterConfig.require(
        betaLow.length == betaHigh.length, "EvoMoE beta ranges: as many lows as highs");
    betaLow = betaLow.clone();
    betaHigh = betaHigh.clone();
    for (int i = 0; i < betaLow.length; i++) {
      RouterConfig.require(
          betaLow[i] >= 0 && betaLow[i] <= betaHigh[i] && betaHigh[i] <= 1,
          "EvoMoE beta range " + i + " must satisfy 0 <= low <= high <= 1");
    }
    RouterConfig.require(hyperHidden >= 1, "DTR hypernetwork width must be >= 1");
    RouterConfig.require(rank >= 1, "DTR rank must be >= 1");
    RouterConfig.require(modalities >= 1, "DTR needs at least one modality");
  }

  /**
   * The paper's schedule with the given stage lengths: β ranges of §4.1, paper freezing, evolution
   * on; DTR hypernetworks 32 wide generating rank-4 projections for 2 modalities (shared text and
   * code).
   */
  public static EvoMoeConfig paper(long warmupSteps, long evolutionSteps) {
    return new EvoMoeConfig(
        warmupSteps, evolutionSteps, PAPER_BETA_LOW, PAPER_BETA_HIGH, 32, 4, 2, true, true);
  }

  /** Defaults for configurations that are not EvoMoE (the spawn policy reads the β ranges). */
  public static EvoMoeConfig defaults() {
    return paper(100, 100);
  }

  public Stage stageAt(long step) {
    if (step < warmupSteps) {
      return Stage.WARMUP;
    }
    return step < warmupSteps + evolutionSteps ? Stage.EVOLUTION : Stage.DTR;
  }

  /** β range of evolved expert {@code n} (1-based, as in the paper): {low, high}. */
  public double[] betaRange(int n) {
    int i = Math.floorMod(n - 1, betaLow.length);
    return new double[] {betaLow[i], betaHigh[i]};
  }

  public EvoMoeConfig withSchedule(long warmup, long evolution) {
    return copy(
        c -> {
          c.warmupSteps = warmup;
          c.evolutionSteps = evolution;
        });
  }

  public EvoMoeConfig withModalities(int m) {
    return copy(c -> c.modalities = m);
  }

  /** With or without the blend (false: plain replicated experts, the MoE-tuning init). */
  public EvoMoeConfig withEvolve(boolean on) {
    return copy(c -> c.evolve = on);
  }

  /** With the paper's per-stage freezing, or with every parameter training in every stage. */
  public EvoMoeConfig withPaperFreezing(boolean on) {
    return copy(c -> c.paperFreezing = on);
  }

  /** These settings with what {@code change} sets on a mutable copy of them (validated again). */
  private EvoMoeConfig copy(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The components of an {@link EvoMoeConfig} being copied, some of them changed. */
  private static final class Draft {
    long warmupSteps;
    long evolutionSteps;
    double[] betaLow;
    double[] betaHigh;
    int hyperHidden;
    int rank;
    int modalities;
    boolean paperFreezing;
    boolean evolve;

    Draft(EvoMoeConfig c) {
      warmupSteps = c.warmupSteps;
      evolutionSteps = c.evolutionSteps;
      betaLow = c.betaLow;
      betaHigh = c.betaHigh;
      hyperHidden = c.hyperHidden;
      rank = c.rank;
      modalities = c.modalities;
      paperFreezing = c.paperFreezing;
      evolve = c.evolve;
    }

    EvoMoeConfig build() { // the constructor copies the β arrays
      return new EvoMoeConfig(
          warmupSteps,
          evolutionSteps,
          betaLow,
          betaHigh,
          hyperHidden,
          rank,
          modalities,
          paperFreezing,
          evolve);
    }
  }

  @Override
  public double[] betaLow() {
    return betaLow.clone();
  }

  @Override
  public double[] betaHigh() {
    return betaHigh.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvoMoeConfig c
        && warmupSteps == c.warmupSteps
        && evolutionSteps == c.evolutionSteps
        && Arrays.equals(betaLow, c.betaLow)
        && Arrays.equals(betaHigh, c.betaHigh)
        && hyperHidden == c.hyperHidden
        && rank == c.rank
        && modalities == c.modalities
        && paperFreezing == c.paperFreezing
        && evolve == c.evolve;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
        new Object[] {
          warmupSteps,
          evolutionSteps,
          Arrays.hashCode(betaLow),
          Arrays.hashCode(betaHigh),
          hyperHidden,
          rank,
          modalities,
          paperFreezing,
          evolve
        });
  }

  @Override
  public String toString() {
    return "EvoMoeConfig[warmup="
        + warmupSteps
        + ", evolution="
        + evolutionSteps
        + ", beta="
        + Arrays.toString(betaLow)
        + ".."
        + Arrays.toString(betaHigh)
        + ", hyperHidden="
        + hyperHidden
        + ", rank="
        + rank
        + ", modalities="
        + modalities
        + ", paperFreezing="
        + paperFreezing
        + ", evolve="
        + evolve
        + "]";
  }
}
