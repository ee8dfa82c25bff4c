package io.moestream.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the real command line in-process, as {@code main} would (same error handlers), and keeps
 * what it printed — for tests of every command.
 *
 * @param exit the exit code {@code main} would return
 * @param out what the command printed on standard output
 * @param err what it printed on standard error
 */
public record CliRun(int exit, String out, String err) {

  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = MoeCli.run(cli, args);
    return new CliRun(exit, out.toString(), err.toString());
  }
}
