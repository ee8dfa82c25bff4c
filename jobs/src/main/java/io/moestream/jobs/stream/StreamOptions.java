package io.moestream.jobs.stream;

import io.moestream.jobs.cli.CheckpointOptions;
import io.moestream.jobs.cli.MetricsOptions;
import io.moestream.jobs.cli.TopicOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of the streaming job shared by {@code train} and the embedded {@code demo}. */
public final class StreamOptions {
  /** The job's four topics; defaults from {@code TopicNames}. */
  @Mixin public TopicOptions topics = new TopicOptions();

  @Option(
      names = "--job-name",
      paramLabel = "NAME",
      description =
          "The Flink job name and the prefix of its Kafka transactional ids; two jobs must never"
              + " share it, and a restarted job must keep it. Default: moe-stream- followed by a"
              + " hash of the absolute --work-dir, --tokens-topic and --registry-topic, so"
              + " --resume keeps it and jobs in other work directories differ.")
  public String jobName;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      defaultValue = "moe-work",
      description =
          "Checkpoints, savepoints and Flink temp files go here (default: ${DEFAULT-VALUE}).")
  public Path workDir;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "2",
      description = "Parallelism of the job (default: ${DEFAULT-VALUE}).")
  public int parallelism;

  @Mixin public CheckpointOptions checkpoint = new CheckpointOptions();

  /** {@code --metrics-port}: Flink's Prometheus reporter in the embedded cluster. */
  @Mixin public MetricsOptions metrics = new MetricsOptions();

  @Option(
      names = "--summary-every",
      paramLabel = "STEPS",
      defaultValue = "20",
      description = "Steps between training summaries per model (default: ${DEFAULT-VALUE}).")
  public int summaryEvery;

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      defaultValue = "65536",
      description = "Longest accepted record, in tokens (default: ${DEFAULT-VALUE}).")
  public int maxTokens;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "libtorch intra-op threads of each TaskManager JVM; 0 keeps libtorch's default (one"
              + " per core). Use 1 when the job's parallelism already fills the cores"
              + " (default: ${DEFAULT-VALUE}).")
  public int threads;

  @Option(
      names = "--modalities",
      paramLabel = "LABEL=ID,...",
      defaultValue = "source-code=1,code=1",
      description =
          "A record's modality (else its domain) to DTR modality id; unknown or missing labels use"
              + " the shared default 0. Only the EvoMoE DTR router reads it"
              + " (default: ${DEFAULT-VALUE}).")
  public String modalities;

  @Option(
      names = "--max-models",
      paramLabel = "N",
      defaultValue = "64",
      description =
          "Most models one trainer subtask trains; records of further models go to the"
              + " dead-letter topic as MODEL_CAP_EXCEEDED (default: ${DEFAULT-VALUE}).")
  public int maxModels;

  @Option(
      names = "--max-model-memory",
      paramLabel = "MB",
      defaultValue = "1024",
      description =
          "Refuse to start when one model (parameters, gradients and both AdamW moments, fp32, at"
              + " the maximum expert count) needs more than this (default: ${DEFAULT-VALUE}).")
  public long maxModelMemoryMb;

  private static final Pattern JOB_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  /**
   * {@code --job-name}, else a name derived from what identifies this job's run and stays the same
   * when it restarts: its work directory (where {@code --resume} finds its checkpoints) and the
   * topics it reads and writes. Never random: a restarted job must reuse its transactional-id
   * prefix to abort the transactions its previous run left open.
   */
  public String jobName() {
    if (jobName != null) {
      if (!JOB_NAME.matcher(jobName).matches()) {
        throw new IllegalArgumentException(
            "--job-name must be 1 to 100 letters, digits, '.', '_' or '-'");
      }
      return jobName;
    }
    return defaultJobName(workDir.toAbsolutePath().normalize(), topics.tokens, topics.registry);
  }

  static String defaultJobName(Path absoluteWorkDir, String tokensTopic, String registryTopic) {
    String identity = absoluteWorkDir + "\n" + tokensTopic + "\n" + registryTopic;
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return "moe-stream-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
