package io.moestream.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into exactly one {@code error: ...} line on stderr and exit code {@link
 * #USAGE}. Bad flags, missing files and values rejected by the config records are the user's to
 * fix, and a stack trace would bury the one sentence that says how; set {@code -Dmoe.debug=true} to
 * get the trace when the failure is ours.
 */
final class CliErrors {
  /** Exit code of bad input: a flag value, a missing or unreadable file. */
  static final int USAGE = 2;

  private CliErrors() {}

  static int onParameterException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr()
        .println(
            "error: "
                + oneLine(e.getMessage())
                + " (see '"
                + cmd.getCommandSpec().qualifiedName()
                + " --help')");
    cmd.getErr().flush();
    return USAGE;
  }

  static int onExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    cmd.getErr().println("error: " + describe(e));
    if (Boolean.getBoolean("moe.debug")) {
      e.printStackTrace(cmd.getErr());
    }
    cmd.getErr().flush();
    return USAGE;
  }

  /** The message a user can act on; the exception class only when it adds information. */
  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof UncheckedIOException || t.getMessage() == null) && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? "" : oneLine(t.getMessage());
    if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
      return message;
    }
    if (t instanceof IOException) {
      return t.getClass().getSimpleName() + ": " + message;
    }
    return t.getClass().getName() + (message.isEmpty() ? "" : ": " + message);
  }

  static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
