package io.moestream.jobs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into exactly one {@code error: ...} line on stderr and an exit code that says
 * whose move it is: {@link #USAGE} (2) when the input was refused, {@link #RUNTIME} (1) when the
 * command was right but running it failed. A stack trace would bury the one sentence that says what
 * to do; set {@code -Dmoe.debug=true} to get the trace when the failure is ours.
 *
 * <p>The one rule, applied in {@link #exitCode}: <b>bad input</b> is picocli's {@link
 * ParameterException} (unknown option, bad value, missing or conflicting options), an {@link
 * IllegalArgumentException} thrown by the command (every check of a value, a combination, a file
 * that is missing or not of the expected kind, a savepoint that does not match the flags: the
 * config records, {@code InvalidSnapshotException} and the commands all throw it for exactly that),
 * or a Kafka client setting that Kafka refuses ({@link ConfigException}). Everything else is a
 * <b>runtime failure</b>: an unreachable broker, a failed Flink job, an I/O error, libtorch. So a
 * throw site chooses the code by its type: {@code IllegalArgumentException} when the user must
 * change the command, {@code IllegalStateException} or {@code UncheckedIOException} when the world
 * must change. An {@code IllegalArgumentException} nested inside another failure (a Flink job that
 * failed on one) is the failure's, not the input's.
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

  /** Exit code of a runtime failure: the broker, the job, the disk, libtorch. */
  public static final int RUNTIME = 1;

  /** How many of picocli's suggestions an error line names. */
  private static final int MAX_SUGGESTIONS = 3;

  /** Values shorter than this are not searched for: they are no secret, and hiding them garbles. */
  private static final int MIN_HIDDEN_LENGTH = 4;

  private static final Pattern QUOTED = Pattern.compile("'([^']*)'");

  /**
   * How Kafka's clients say their constructor failed (consumer, producer, share consumer, admin).
   */
  private static final Pattern KAFKA_CONSTRUCTION =
      Pattern.compile("^Failed to (construct kafka|create new KafkaAdminClient)");

  /** Exception classes whose name adds nothing to their message. */
  private static final Set<Class<?>> GENERIC =
      Set.of(
          RuntimeException.class,
          Exception.class,
          IllegalArgumentException.class,
          IllegalStateException.class,
          KafkaException.class,
          ExecutionException.class,
          CompletionException.class);

  private static final Pattern MAP_FORMAT = Pattern.compile("(format but was ).*$");

  private CliErrors() {}

  public static int onParameterException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String what;
    if (e instanceof UnmatchedArgumentException u && unmatched(u) != null) {
      what = unmatched(u);
    } else if (e.getCause() instanceof ConfigFile.UnknownSetting) {
      what = oneLine(e.getMessage());
    } else {
      what = withoutValues(oneLine(e.getMessage()), args, cmd);
    }
    cmd.getErr()
        .println("error: " + what + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
    cmd.getErr().flush();
    return USAGE;
  }

  public static int onExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    return report(e, cmd, parsed);
  }

  /**
   * Prints {@code e} as one error line (and its trace under {@code -Dmoe.debug=true}) and returns
   * its {@link #exitCode}; for anything a command throws, {@link Error}s included.
   */
  public static int report(Throwable e, CommandLine cmd, ParseResult parsed) {
    cmd.getErr().println("error: " + hide(describe(e), settingValues(parsed)));
    if (Boolean.getBoolean("moe.debug")) {
      e.printStackTrace(cmd.getErr());
    }
    cmd.getErr().flush();
    return exitCode(e);
  }

  /** {@link #USAGE} for bad input, {@link #RUNTIME} for anything else: the rule of this class. */
  public static int exitCode(Throwable e) {
    if (e instanceof ParameterException || e instanceof IllegalArgumentException) {
      return USAGE;
    }
    return kafkaSetting(e) != null || kafkaClientRefused(e) != null ? USAGE : RUNTIME;
  }

  /**
   * The line for an unknown option or subcommand, with picocli's suggestions: {@code unknown option
   * '--stpes'; did you mean --steps?}. Null when nothing unmatched looks like an option or a
   * command (then it is a stray value, reported as picocli words it, value hidden).
   *
   * <p>An option is named up to its {@code =} (the value may be a secret). A mistyped command is
   * quoted only when it is within two edits of a suggestion, since any other word could be a value
   * in the wrong place.
   */
  static String unmatched(UnmatchedArgumentException u) {
    List<String> options =
        u.getUnmatched().stream()
            .filter(CliErrors::looksLikeOption)
            .map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a)
            .distinct()
            .toList();
    List<String> suggestions = suggestions(u);
    String line;
    if (!options.isEmpty()) {
      line =
          (options.size() == 1 ? "unknown option " : "unknown options ")
              + String.join(", ", options.stream().map(o -> "'" + o + "'").toList());
      // picocli suggests for the first unmatched argument only
      if (!looksLikeOption(u.getUnmatched().get(0))) {
        suggestions = List.of();
      }
    } else if (!u.getCommandLine().getSubcommands().isEmpty() && !suggestions.isEmpty()) {
      String typed = u.getUnmatched().get(0);
      boolean close = suggestions.stream().anyMatch(s -> editDistance(typed, s) <= 2);
      line = "unknown command '" + (close ? typed : KafkaClientProps.HIDDEN) + "'";
    } else {
      return null;
    }
    return suggestions.isEmpty() ? line : line + "; did you mean " + either(suggestions) + "?";
  }

  /**
   * Picocli's suggestions, at most {@value #MAX_SUGGESTIONS}; for a mistyped command, the commands
   * within two edits come first (picocli compares letter pairs, so it misses {@code tial} → {@code
   * tail}).
   */
  private static List<String> suggestions(UnmatchedArgumentException u) {
    LinkedHashSet<String> all = new LinkedHashSet<>();
    String typed = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
    if (!looksLikeOption(typed)) {
      u.getCommandLine().getSubcommands().keySet().stream()
          .filter(c -> editDistance(typed, c) <= 2)
          .sorted(Comparator.comparingInt(c -> editDistance(typed, c)))
          .forEach(all::add);
    }
    all.addAll(u.getSuggestions());
    return all.stream().limit(MAX_SUGGESTIONS).toList();
  }

  private static boolean looksLikeOption(String arg) {
    return arg.length() > 1 && arg.charAt(0) == '-' && !Character.isDigit(arg.charAt(1));
  }

  /** "a", "a or b", "a, b or c". */
  static String either(List<String> names) {
    int last = names.size() - 1;
    return last == 0
        ? names.get(0)
        : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
  }

  /** Levenshtein distance: the fewest single-character edits that turn {@code a} into {@code b}. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int replace = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(replace, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** The Kafka client setting Kafka refused somewhere in {@code e}'s causes, or null. */
  private static ConfigException kafkaSetting(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConfigException c) {
        return c;
      }
    }
    return null;
  }

  /**
   * The Kafka client that could not be built somewhere in {@code e}'s causes, or null. A Kafka
   * client's constructor does not touch the network (connections and DNS come later, retried), so
   * when one fails ({@code Failed to construct kafka consumer}, a truststore that is missing, a
   * SASL mechanism without its JAAS entry) its settings are at fault: bad input.
   */
  private static KafkaException kafkaClientRefused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KafkaException k
          && k.getMessage() != null
          && KAFKA_CONSTRUCTION.matcher(k.getMessage()).find()) {
        return k;
      }
    }
    return null;
  }

  /**
   * The message a user can act on, in one line: what failed and, when a cause says more, the
   * innermost cause (why), with the layers between left out; the exception class only when it adds
   * information.
   */
  public static String describe(Throwable e) {
    ConfigException setting = kafkaSetting(e);
    if (setting != null && !(e instanceof IllegalArgumentException)) {
      return "invalid Kafka client setting: " + oneLine(setting.getMessage());
    }
    KafkaException refused = kafkaClientRefused(e);
    if (refused != null && !(e instanceof IllegalArgumentException)) {
      return "invalid Kafka client setting: " + withRootCause(refused);
    }
    return withRootCause(e);
  }

  /** {@code e}'s message and its innermost cause's, unless the first already says the second. */
  private static String withRootCause(Throwable e) {
    String what = outermost(e);
    Throwable root = e;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 64; depth++) {
      root = root.getCause();
    }
    if (root == e) {
      return what;
    }
    String why = named(root);
    // its first line: a parser's message adds the location on the next, which the line may word
    String rootMessage =
        root.getMessage() == null ? "" : root.getMessage().strip().split("\\R", 2)[0];
    if (why.isEmpty() || (!rootMessage.isEmpty() && what.contains(rootMessage.strip()))) {
      return what;
    }
    if (isTimeout(root) && (what.contains("no answer") || what.contains(" within "))) {
      return what; // "timeout expired" adds nothing to a line that already names the wait
    }
    return what.isEmpty() ? why : what + ": " + why;
  }

  private static boolean isTimeout(Throwable t) {
    return t instanceof java.util.concurrent.TimeoutException
        || t instanceof org.apache.kafka.common.errors.TimeoutException;
  }

  /** An exception's message, named by its simple class unless that class says nothing more. */
  private static String named(Throwable t) {
    String message = oneLine(t.getMessage());
    if (GENERIC.contains(t.getClass())) {
      return message;
    }
    return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }

  /**
   * {@code new ExecutionException(cause)}: a message that is only its cause's class and message.
   */
  private static boolean wrapsOnly(Throwable t) {
    return t.getCause() != null
        && t.getMessage() != null
        && t.getMessage().equals(t.getCause().toString());
  }

  /** What failed: the outermost message that is more than a copy of its cause's. */
  private static String outermost(Throwable e) {
    Throwable t = e;
    StringBuilder context = new StringBuilder();
    while ((t instanceof UncheckedIOException || t.getMessage() == null || wrapsOnly(t))
        && t.getCause() != null) {
      // new UncheckedIOException("cannot write FILE", e) says what failed; (e) alone does not
      if (t.getMessage() != null && !t.getMessage().equals(t.getCause().toString())) {
        context.append(oneLine(t.getMessage())).append(": ");
      }
      t = t.getCause();
    }
    String message = t.getMessage() == null ? "" : oneLine(t.getMessage());
    if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
      return context + message;
    }
    if (t instanceof IOException) {
      return context + t.getClass().getSimpleName() + ": " + message;
    }
    return context + named(t);
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

  /**
   * Every Kafka client property value and every {@code -D} Flink setting value the parsed command
   * holds (command line and files): either can be a password.
   */
  private static List<String> settingValues(ParseResult parsed) {
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
                } else if (m.userObject() instanceof FlinkConfigOptions f) {
                  values.addAll(f.settings().values());
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
