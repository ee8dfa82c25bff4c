package io.moestream.jobs.drift;

import io.moestream.moe.config.ModalityMap;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.ByteTokenizer;
import java.util.List;

/**
 * Everything every contender of one drift run shares: model shape, optimizer, DynMoE's recording
 * window, stream length and seeds. Holding it in one value is what makes "same model size, same
 * optimizer, same seeds" true by construction; only the router (and dense's width) differ.
 *
 * @param dModel embedding width
 * @param layers transformer blocks
 * @param heads attention heads
 * @param ctx context length
 * @param ff hidden width of one expert (dense uses a multiple, see {@link DriftConfig})
 * @param batch sequences per step
 * @param learningRate AdamW learning rate
 * @param window DynMoE's recording window (ignored by the other routers)
 * @param tokensPerDomain tokens taken from the start of each domain: the stream
 * @param warmUpTokensPerDomain tokens of each domain, right after the stream's, that the upcycled
 *     preset's dense warm-up trains on
 * @param heldOutTokens tokens at the end of each domain, never trained on, scored for forgetting
 * @param seeds one run per configuration per seed
 * @param evoWarmup EvoMoE's warm-up steps
 * @param evoEvolution EvoMoE's expert-evolution steps (the DTR stage follows)
 * @param modalities domain name to DTR modality id (unknown domains: the shared default 0)
 * @param dynMoeAuxWeight the DynMoE routers' aux-loss weight (investigation of issue 6)
 * @param dynMoeAux the DynMoE routers' aux-loss variant
 * @param dynMoeSpawn the {@code dynmoe} configuration's spawn initialisation (its variants keep
 *     their own)
 * @param dynMoeSpawnMinUnrouted share of a window's tokens that must be unrouted for a DynMoE spawn
 *     (0: any)
 * @param dynMoeThresholdLrScale the DynMoE thresholds learn at lr × this
 * @param dynMoePruneMaxShare DynMoE also prunes an expert whose usage share in a window is below
 *     this (0: only unused experts)
 */
record DriftSettings(
    int dModel,
    int layers,
    int heads,
    int ctx,
    int ff,
    int batch,
    double learningRate,
    RecordingWindow window,
    long tokensPerDomain,
    long warmUpTokensPerDomain,
    long heldOutTokens,
    List<Long> seeds,
    long evoWarmup,
    long evoEvolution,
    ModalityMap modalities,
    double dynMoeAuxWeight,
    io.moestream.moe.config.AuxVariant dynMoeAux,
    SpawnPolicy dynMoeSpawn,
    double dynMoeSpawnMinUnrouted,
    double dynMoeThresholdLrScale,
    double dynMoePruneMaxShare) {

  DriftSettings {
    if (!(dynMoeAuxWeight >= 0) || Double.isInfinite(dynMoeAuxWeight)) {
      throw new IllegalArgumentException("--dynmoe-aux-weight must be finite and >= 0");
    }
    if (!(dynMoeSpawnMinUnrouted >= 0 && dynMoeSpawnMinUnrouted < 1)) {
      throw new IllegalArgumentException("--dynmoe-spawn-min-unrouted must be in [0, 1)");
    }
    if (!(dynMoePruneMaxShare >= 0 && dynMoePruneMaxShare < 1)) {
      throw new IllegalArgumentException("--dynmoe-prune-max-share must be in [0, 1)");
    }
    if (!(dynMoeThresholdLrScale >= 0) || Double.isInfinite(dynMoeThresholdLrScale)) {
      throw new IllegalArgumentException("--dynmoe-threshold-lr-scale must be finite and >= 0");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
    if (tokensPerDomain < 1) {
      throw new IllegalArgumentException("--tokens-per-domain must be >= 1");
    }
    if (warmUpTokensPerDomain < 1) {
      throw new IllegalArgumentException("--warmup-tokens-per-domain must be >= 1");
    }
    if (heldOutTokens < 1) {
      throw new IllegalArgumentException("--held-out-tokens must be >= 1");
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("--seeds must be >= 1");
    }
    seeds = List.copyOf(seeds);
    if (evoWarmup < 0 || evoEvolution < 0) {
      throw new IllegalArgumentException("--evo-warmup and --evo-evolution must be >= 0");
    }
  }

  /** The model of {@code config}; validation (heads divide d, ...) is the record's. */
  ModelConfig model(DriftConfig config) {
    RouterConfig router = config.router();
    if (config.isEvoMoe()) {
      router =
          router.withEvo(
              router
                  .evo()
                  .withSchedule(evoWarmup, evoEvolution)
                  .withModalities(Math.max(router.evo().modalities(), modalities.count())));
    }
    if (router.kind() == io.moestream.moe.config.RouterKind.DYNMOE) {
      router = router.withAuxWeight(dynMoeAuxWeight).withAuxVariant(dynMoeAux);
    }
    return new ModelConfig(
        ByteTokenizer.VOCAB_SIZE, dModel, layers, heads, ctx, ff * config.ffMultiplier(), router);
  }

  TrainConfig train(DriftConfig config, long seed) {
    SpawnPolicy spawn =
        config.name().equals(DriftConfig.DYNMOE) ? dynMoeSpawn : config.spawnPolicy();
    return TrainConfig.defaults(seed)
        .withLearningRate(learningRate)
        .withWindow(window)
        .withSpawnPolicy(spawn)
        .withSpawnMinUnrouted(dynMoeSpawnMinUnrouted)
        .withPruneMaxShare(dynMoePruneMaxShare)
        .withThresholdLrScale(dynMoeThresholdLrScale) // only DynMoE has thresholds
        .withBudget(config.budget());
  }
}
