package io.moestream.jobs;

import io.moestream.jobs.bench.BenchCommand;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.jobs.cli.ConfigFile;
import io.moestream.jobs.local.ReferenceCheckCommand;
import io.moestream.jobs.local.TrainLocalCommand;
import io.moestream.jobs.stream.DemoCommand;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code moe} command line: the one entry point of the runnable jar. Subcommands do the work;
 * this class only wires them and makes sure every failure ends as one {@code error:} line and a
 * stable exit code (0 success, 1 runtime failure, 2 bad input: {@link CliErrors}), because the jar
 * is driven from scripts and CI where a stack trace is noise.
 */
@Command(
    name = "moe",
    mixinStandardHelpOptions = true,
    versionProvider = MoeCli.Version.class,
    description = "Continual-learning Mixture-of-Experts causal LM: train, check, benchmark, demo.",
    subcommands = {
      TrainLocalCommand.class,
      ReferenceCheckCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      io.moestream.jobs.stream.TrainCommand.class,
      io.moestream.jobs.kafka.ProduceCommand.class,
      io.moestream.jobs.kafka.RegistryCommand.class,
      io.moestream.jobs.snapshot.SnapshotCommand.class,
      io.moestream.jobs.snapshot.InferCommand.class,
      io.moestream.jobs.doctor.DoctorCommand.class
    })
public final class MoeCli {
  // Read by run() before parsing (its values become defaults); declared here so every command
  // accepts and documents it.
  @Option(
      names = ConfigFile.OPTION,
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "Read settings from this properties file: keys are the command's long option names"
              + " without dashes (e.g. d=128, bootstrap-servers=host:9092); flags given on the"
              + " command line win.")
  Path config;

  static {
    // Before any Avro class loads (Avro reads its limits once): no string or bytes field over
    // 1 MiB, so a record claiming 2 GB is a dead letter, not an OutOfMemoryError (AvroLimits).
    io.moestream.schemas.AvroLimits.install();
    // Before DJL's engine class is touched: libtorch must come from the jar on the classpath, and
    // a cluster node or CI runner without network must never block on a download.
    System.setProperty("ai.djl.offline", "true");
    // DJL logs engine start-up at INFO; the command's own output is what matters on a console.
    defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    // On a CPU-only host the CUDA probe warns on every start; it is expected, not actionable.
    defaultProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    // The embedded Flink and Kafka clients warn about things a user cannot act on (sink metric
    // name collisions, a retried offset commit while the broker elects a coordinator); errors
    // still print. Override with MOE_JAVA_OPTS=-Dorg.slf4j.simpleLogger.log.org.apache=warn.
    defaultProperty("org.slf4j.simpleLogger.log.org.apache.flink", "error");
    defaultProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    // A missing key or trust store is logged with a stack trace (and its path, a client property
    // value) before the client fails; the failure's one error line already names the cause.
    defaultProperty(
        "org.slf4j.simpleLogger.log.org.apache.kafka.common.security.ssl.DefaultSslEngineFactory",
        "off");
  }

  private static void defaultProperty(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  public static void main(String[] args) {
    System.exit(run(newCommandLine(), args));
  }

  /** Executes {@code args}, with the settings of a {@code --config} file as option defaults. */
  public static int run(CommandLine cli, String... args) {
    ConfigFile file;
    try {
      file = ConfigFile.find(args);
    } catch (IllegalArgumentException e) {
      cli.getErr().println("error: " + CliErrors.oneLine(e.getMessage()));
      cli.getErr().flush();
      return CliErrors.USAGE;
    }
    if (file != null) {
      cli.setDefaultValueProvider(file);
      cli.setExecutionStrategy(
          parsed -> {
            List<CommandLine> chain = parsed.asCommandLineList();
            CommandLine leaf = chain.get(chain.size() - 1);
            try {
              file.checkKeys(leaf.getCommandSpec());
            } catch (IllegalArgumentException e) {
              throw new CommandLine.ParameterException(leaf, e.getMessage(), e);
            }
            return new CommandLine.RunLast().execute(parsed);
          });
    }
    try {
      return cli.execute(args);
    } catch (RuntimeException | Error e) {
      // picocli hands a command's exceptions to CliErrors; an Error (libtorch's native code
      // missing, out of memory) passes through it, and still gets its one line and exit code
      return CliErrors.report(e, cli, null);
    }
  }

  /** The configured command line; tests call this so they exercise the same error handling. */
  public static CommandLine newCommandLine() {
    return new CommandLine(new MoeCli())
        .setExecutionExceptionHandler(CliErrors::onExecutionException)
        .setParameterExceptionHandler(CliErrors::onParameterException);
  }

  /** Reports the jar's version and the engine it was built against. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = MoeCli.class.getPackage().getImplementationVersion();
      return new String[] {
        "moe " + (v == null ? "0.1.0-SNAPSHOT" : v), "DJL 0.35.1, PyTorch 2.7.1 (CPU build)"
      };
    }
  }
}
