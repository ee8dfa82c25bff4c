package io.moestream.jobs.cli;

import io.moestream.jobs.kafka.KafkaClientProps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into exactly one {@code error: ...} line on stderr and exit code {@link
 * #USAGE}. Bad flags, missing files and values rejected by the config records are the user's to
 * fix, and a stack trace would bury the one sentence that says how; set {@code -Dmoe.debug=true} to
 * get the trace when the failure is ours.
 *
 * <p>No error line quotes an argument's value: values can be secrets ({@code --kafka-property
 * sasl.jaas.config=...}), and errors end up in logs and, on a cluster, in the JobManager's REST
 * answers. Picocli's messages name the option and say what is wrong with its value; the value
 * itself, and every Kafka client property value anywhere in a line, reads {@value
 * KafkaClientProps#HIDDEN}.
 */
public final class CliErrors {
  /** Exit code of bad input: a flag value, a missing or unreadable file. */
  public static final int USAGE = 2;

  /** Values shorter than this are not searched for: they are no secret, and hiding them garbles. */
  private static final int MIN_HIDDEN_LENGTH = 4;

  private static final Pattern QUOTED = Pattern.compile("'([^']*)'");
  private static final Pattern MAP_FORMAT = Pattern.compile("(format but was ).*$");

  private CliErrors() {}

  public static int onParameterException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr()
        .println(
            "error: "
                + (e.getCause() instanceof ConfigFile.UnknownSetting
                    ? oneLine(e.getMessage())
                    : withoutValues(oneLine(e.getMessage()), args, cmd))
                + " (see '"
                + cmd.getCommandSpec().qualifiedName()
                + " --help')");
    cmd.getErr().flush();
    return USAGE;
  }

  public static int onExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    cmd.getErr().println("error: " + hide(describe(e), kafkaValues(parsed)));
    if (Boolean.getBoolean("moe.debug")) {
      e.printStackTrace(cmd.getErr());
    }
    cmd.getErr().flush();
    return USAGE;
  }

  /** The message a user can act on; the exception class only when it adds information. */
  public static String describe(Throwable e) {
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

  /**
   * A picocli message without the values it quotes: a quoted option name stays, a quoted {@code
   * --option=value} keeps its option, and any other quoted text or argument is hidden.
   */
  static String withoutValues(String message, String[] args, CommandLine cmd) {
    Matcher m = QUOTED.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String q = m.group(1);
      String shown;
      if (q.startsWith("-") && !q.contains("=") && !q.isBlank() && !q.contains(" ")) {
        shown = q;
      } else if (q.startsWith("-") && q.contains("=")) {
        shown = q.substring(0, q.indexOf('=')) + "=" + KafkaClientProps.HIDDEN;
      } else {
        shown = KafkaClientProps.HIDDEN;
      }
      m.appendReplacement(out, Matcher.quoteReplacement("'" + shown + "'"));
    }
    m.appendTail(out);
    String line = MAP_FORMAT.matcher(out.toString()).replaceAll("$1" + KafkaClientProps.HIDDEN);
    return hide(line, argumentValues(args, cmd));
  }

  /** The values among {@code args}: every token but option and command names. */
  public static List<String> argumentValues(String[] args, CommandLine cmd) {
    List<String> names = new ArrayList<>();
    for (CommandLine c = cmd; c != null; c = c.getParent()) {
      names.add(c.getCommandName());
    }
    return argumentValues(args, names);
  }

  /** The values among {@code args}: every token but option names and {@code commandNames}. */
  public static List<String> argumentValues(String[] args, List<String> commandNames) {
    List<String> names = commandNames;
    List<String> values = new ArrayList<>();
    for (String a : args == null ? new String[0] : args) {
      if (a.startsWith("-")) {
        if (a.contains("=")) {
          values.add(a.substring(a.indexOf('=') + 1));
        }
      } else if (!names.contains(a)) {
        values.add(a);
      }
    }
    return values;
  }

  /** Every Kafka client property value the parsed command holds (command line and files). */
  private static List<String> kafkaValues(ParseResult parsed) {
    List<String> values = new ArrayList<>();
    if (parsed == null) {
      return values;
    }
    for (CommandLine c : parsed.asCommandLineList()) {
      c.getCommandSpec()
          .mixins()
          .values()
          .forEach(
              m -> {
                if (m.userObject() instanceof KafkaClientProps k) {
                  values.addAll(k.values());
                }
              });
    }
    return values;
  }

  /**
   * {@code line} with every occurrence of each of {@code values} replaced by {@value
   * KafkaClientProps#HIDDEN}.
   */
  public static String hide(String line, List<String> values) {
    List<String> longestFirst = new ArrayList<>(values);
    longestFirst.sort(Comparator.comparingInt(String::length).reversed());
    String out = line;
    for (String v : longestFirst) {
      if (v != null && v.length() >= MIN_HIDDEN_LENGTH) {
        out = out.replace(v, KafkaClientProps.HIDDEN);
      }
    }
    return out;
  }

  public static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
