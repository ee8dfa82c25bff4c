package io.moestream.jobs.drift;

import io.moestream.jobs.cli.CorpusOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.EvoScheduleOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.moe.config.ModalityMap;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.data.TextCorpus;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The flags of {@code bench drift}. Its defaults differ from {@link ModelOptions}' on purpose: they
 * are sized so that both presets' default configurations × 5 seeds fit the 30-minute budget on a
 * 2-core CPU (two runs at a time; the arithmetic is in docs/decisions.md, "Issue 16 point 4"), and
 * {@code --quick} shrinks every value the user did not set to a seconds-long pipeline check.
 */
final class DriftOptions {
  @Mixin CorpusOptions corpus;

  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions(150_000);

  @Option(
      names = "--presets",
      paramLabel = "NAME",
      split = ",",
      defaultValue = "scratch,upcycled",
      description =
          "scratch (random init), upcycled (every configuration starts from a dense warm-up, each"
              + " expert a copy of its FFN), or both (default: ${DEFAULT-VALUE}).")
  List<String> presets;

  @Option(
      names = "--warmup-tokens-per-domain",
      paramLabel = "N",
      defaultValue = "100000",
      description =
          "The upcycled preset's dense warm-up: N tokens of each domain right after the stream's,"
              + " domains interleaved (default: ${DEFAULT-VALUE}).")
  long warmUpTokens;

  @Option(
      names = "--held-out-tokens",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "The last N tokens of each domain, never trained on, scored after each domain for"
              + " forgetting (default: ${DEFAULT-VALUE}).")
  long heldOutTokens;

  @Option(
      names = "--seeds",
      paramLabel = "N",
      defaultValue = "5",
      description =
          "Seeds 1..N per configuration; mean ± std over them (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--configs",
      paramLabel = "NAME",
      split = ",",
      description =
          "Subset to run in each preset that has it. scratch: dynmoe, dynmoe-budget, dynmoe-evolve,"
              + " top-k-E{4,8,16}-k{1,2,4}, top-p, null-experts, dense, evomoe, evomoe-replicated,"
              + " moe-tuning, evomoe-unfrozen; upcycled: dynmoe, dynmoe-budget,"
              + " top-k-E4-k{1,2,3,4}, top-p, dense (default: dynmoe, dynmoe-budget, the grid (scratch:"
              + " E4 and E8) and dense, and top-p from scratch).")
  List<String> configs;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Report folder (default: reports/drift-<timestamp>).")
  Path out;

  @Option(
      names = "--quick",
      description =
          "Pipeline check for CI: tiny model, 2 seeds, a few configurations per preset, short"
              + " domains (seconds, not the claim).")
  boolean quick;

  @Option(
      names = "--d",
      paramLabel = "N",
      defaultValue = "64",
      description = "Embedding width (default: ${DEFAULT-VALUE}).")
  int d;

  @Option(
      names = "--layers",
      paramLabel = "N",
      defaultValue = "2",
      description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--heads",
      paramLabel = "N",
      defaultValue = "4",
      description = "Attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--ctx",
      paramLabel = "N",
      defaultValue = "64",
      description = "Context length (default: ${DEFAULT-VALUE}).")
  int ctx;

  @Option(
      names = "--ff",
      paramLabel = "N",
      defaultValue = "128",
      description = "Expert hidden width; dense uses 2x (default: ${DEFAULT-VALUE}).")
  int ff;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "8",
      description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--lr",
      paramLabel = "RATE",
      defaultValue = "1e-3",
      description =
          "AdamW learning rate, shared by every configuration; the default is the best of 3e-4,"
              + " 1e-3 and 3e-3 for the top-2 reference (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--window-start",
      paramLabel = "STEP",
      defaultValue = "20",
      description = "DynMoE's first recording window opens here (default: ${DEFAULT-VALUE}).")
  long windowStart;

  @Option(
      names = "--window-length",
      paramLabel = "STEPS",
      defaultValue = "20",
      description = "Recording window length (default: ${DEFAULT-VALUE}).")
  long windowLength;

  @Option(
      names = "--window-period",
      paramLabel = "STEPS",
      defaultValue = "40",
      description = "Steps between window starts (default: ${DEFAULT-VALUE}).")
  long windowPeriod;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "libtorch intra-op threads while the benchmark runs; 0 keeps the engine's setting."
              + " Tiny models are dispatch-bound, so 1 is fastest (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description =
          "Runs trained at the same time, each on its own thread (default: CPU cores / --threads,"
              + " at least 1; with --threads 0, 1). Results do not depend on it; wall times do.")
  Integer parallel;

  @Mixin EvoScheduleOptions evo = new EvoScheduleOptions();

  @Mixin DynMoeDriftOptions dynMoe = new DynMoeDriftOptions();

  @Option(
      names = "--modalities",
      paramLabel = "DOMAIN=ID,...",
      defaultValue = "source-code=1",
      description =
          "Domain name to DTR modality id; unknown domains use the shared default 0"
              + " (default: ${DEFAULT-VALUE}).")
  String modalities;

  /** Whether --quick chose the configurations ({@link DriftPreset#quick}). */
  private boolean quickConfigs;

  /** Applies --quick's values to every option the user did not give explicitly. */
  void applyQuick(ParseResult given) {
    if (!quick) {
      return;
    }
    d = given.hasMatchedOption("--d") ? d : 32;
    heads = given.hasMatchedOption("--heads") ? heads : 2;
    ctx = given.hasMatchedOption("--ctx") ? ctx : 16;
    ff = given.hasMatchedOption("--ff") ? ff : 32;
    batch = given.hasMatchedOption("--batch") ? batch : 4;
    // 10 steps per domain: 10 batches of 4 windows of ctx + 1 = 17 tokens (2 seeds, 2 presets)
    if (!DomainTokensOptions.given(given)) {
      tokensPerDomain.use(10 * 4 * 17);
    }
    seeds = given.hasMatchedOption("--seeds") ? seeds : 2;
    // 10 warm-up batches of each domain, 2 held-out batches
    warmUpTokens =
        given.hasMatchedOption("--warmup-tokens-per-domain") ? warmUpTokens : 10 * 4 * 17;
    heldOutTokens = given.hasMatchedOption("--held-out-tokens") ? heldOutTokens : 2 * 4 * 17;
    windowStart = given.hasMatchedOption("--window-start") ? windowStart : 4;
    windowLength = given.hasMatchedOption("--window-length") ? windowLength : 4;
    windowPeriod = given.hasMatchedOption("--window-period") ? windowPeriod : 8;
    evo.warmup = given.hasMatchedOption("--evo-warmup") ? evo.warmup : 10;
    evo.evolution = given.hasMatchedOption("--evo-evolution") ? evo.evolution : 10;
    quickConfigs = configs == null;
  }

  /** The shared settings; throws IllegalArgumentException naming a bad value. */
  DriftSettings settings() {
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
    }
    return new DriftSettings(
        d,
        layers,
        heads,
        ctx,
        ff,
        batch,
        lr,
        new RecordingWindow(windowStart, windowLength, windowPeriod),
        tokensPerDomain.tokens(),
        warmUpTokens,
        heldOutTokens,
        LongStream.rangeClosed(1, seeds).boxed().toList(),
        evo.warmup,
        evo.evolution,
        ModalityMap.parse(modalities),
        dynMoe.auxWeight,
        io.moestream.moe.config.AuxVariant.parse(dynMoe.aux),
        io.moestream.moe.config.SpawnPolicy.parse(dynMoe.spawn),
        dynMoe.spawnMinUnrouted,
        dynMoe.thresholdLrScale,
        dynMoe.pruneMaxShare);
  }

  /** Runs at a time: --parallel, or one per core at --threads libtorch threads each. */
  int parallel() {
    if (parallel != null) {
      if (parallel < 1) {
        throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
      }
      return parallel;
    }
    return threads == 0 ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors() / threads);
  }

  /**
   * Per preset asked for, the configurations to run: {@code --configs} (each name must belong to
   * one of the presets; a preset that has none of them is left out), else the preset's defaults.
   */
  Map<DriftPreset, List<DriftConfig>> configs() {
    List<DriftPreset> ps = DriftPreset.parse(presets);
    if (configs != null) {
      DriftConfig.requireKnown(configs, ps);
    }
    Map<DriftPreset, List<DriftConfig>> out = new LinkedHashMap<>();
    for (DriftPreset p : ps) {
      List<DriftConfig> chosen =
          quickConfigs ? p.quick() : configs == null ? p.defaults() : p.select(configs);
      if (!chosen.isEmpty()) {
        out.put(p, chosen);
      }
    }
    return out;
  }

  TextCorpus corpus() {
    return corpus.load();
  }

  Path outDir() {
    if (out != null) {
      return out;
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return Path.of("reports", "drift-" + stamp);
  }
}
