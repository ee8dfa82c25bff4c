package io.moestream.jobs;

import io.moestream.jobs.cli.CliErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The entry class for submitting the job jar to a running Flink cluster (REST {@code entryClass},
 * {@code flink run -c}), e.g. with the program arguments {@code train --bootstrap-servers ...}.
 *
 * <p>Why not {@link MoeCli#main}: submitted over REST, the main method runs inside the JobManager's
 * JVM, and {@code System.exit} there would stop the JobManager. This one returns normally, and a
 * command that fails throws, so the submission is answered with the error instead.
 */
public final class ClusterMain {
  private ClusterMain() {}

  /** The (sub)command names at the front of {@code args}, e.g. [registry, tail]; empty if none. */
  static List<String> commandNames(String[] args) {
    List<String> names = new ArrayList<>();
    CommandLine cmd = MoeCli.newCommandLine();
    for (String a : args) {
      CommandLine sub = cmd.getSubcommands().get(a);
      if (sub == null) {
        break;
      }
      names.add(a);
      cmd = sub;
    }
    return names;
  }

  public static void main(String[] args) {
    // In a JobManager, Avro may have loaded before this main: there the limits come from
    // env.java.opts (docker/flink-conf.yaml); in a fresh JVM this sets them in time.
    io.moestream.schemas.AvroLimits.install();
    StringWriter err = new StringWriter();
    int exit = MoeCli.run(MoeCli.newCommandLine().setErr(new PrintWriter(err, true)), args);
    System.err.print(err);
    if (exit != 0) {
      List<String> names = commandNames(args);
      // Never the arguments: they may hold secrets, and this message reaches the JobManager's log
      // and the REST answer. The error line names what is wrong (CliErrors hides values).
      throw new IllegalStateException(
          "moe "
              + (names.isEmpty() ? "(no command)" : String.join(" ", names))
              + " exited with "
              + exit
              + ": "
              + CliErrors.hide(err.toString().trim(), CliErrors.argumentValues(args, names)));
    }
  }
}
