package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.MoeCli;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Conventions every command of {@code moe} keeps: a value-taking option names its value in the help
 * ({@code --steps=N}, not picocli's {@code --steps=<steps>}), no command defines a name twice, and
 * the shared option groups are declared once, in their mixin, not again by a command.
 */
class OptionConventionsTest {
  /** Names that belong to one mixin each; a second declaration would drift from the first. */
  private static final Set<String> SHARED =
      Set.of(
          "--corpus",
          "--max-tokens-per-domain",
          "--tokens-per-domain",
          "--checkpoint-interval",
          "--metrics-port",
          "--tokens-topic",
          "--dlq-topic",
          "--registry-topic",
          "--metrics-topic",
          "--bootstrap-servers",
          "--timeout",
          "-D",
          "--router",
          "--spawn-policy",
          "--device",
          "--expert-dispatch",
          "--init-from",
          "--precision",
          "--k-target",
          "--k-target-step",
          "--straight-through-k",
          "--spawn-min-unrouted",
          "--prune-max-share");

  private static List<CommandLine> allCommands() {
    List<CommandLine> all = new ArrayList<>();
    collect(new CommandLine(new MoeCli()), all);
    return all;
  }

  private static void collect(CommandLine cmd, List<CommandLine> into) {
    into.add(cmd);
    cmd.getSubcommands().values().forEach(sub -> collect(sub, into));
  }

  private static Option annotation(OptionSpec o) {
    return o.userObject() instanceof AnnotatedElement e ? e.getAnnotation(Option.class) : null;
  }

  @Test
  void walksEveryCommand() {
    Set<String> names = new HashSet<>();
    allCommands().forEach(c -> names.add(c.getCommandSpec().qualifiedName()));
    assertThat(names)
        .contains(
            "moe train",
            "moe train-local",
            "moe demo",
            "moe produce",
            "moe bench drift",
            "moe bench pipeline",
            "moe registry tail",
            "moe snapshot export");
  }

  @Test
  void everyOptionWithAValueHasAnExplicitParamLabel() {
    List<String> missing = new ArrayList<>();
    for (CommandLine cmd : allCommands()) {
      for (OptionSpec o : cmd.getCommandSpec().options()) {
        boolean takesValue = o.arity().max() > 0 && !o.typeInfo().isBoolean();
        Option a = annotation(o);
        if (takesValue && (a == null || a.paramLabel().isEmpty())) {
          missing.add(cmd.getCommandSpec().qualifiedName() + " " + o.longestName());
        }
      }
    }
    assertThat(missing).as("options with a value but no paramLabel").isEmpty();
  }

  @Test
  void noCommandDefinesANameTwice() {
    List<String> twice = new ArrayList<>();
    for (CommandLine cmd : allCommands()) {
      Set<String> seen = new HashSet<>();
      for (OptionSpec o : cmd.getCommandSpec().options()) {
        for (String name : o.names()) {
          if (!seen.add(name)) {
            twice.add(cmd.getCommandSpec().qualifiedName() + " " + name);
          }
        }
      }
    }
    assertThat(twice).isEmpty();
  }

  @Test
  void sharedOptionsAreDeclaredOnce() {
    Map<String, Set<Object>> declarations = new HashMap<>();
    for (CommandLine cmd : allCommands()) {
      for (OptionSpec o : cmd.getCommandSpec().options()) {
        for (String name : o.names()) {
          if (SHARED.contains(name)) {
            declarations.computeIfAbsent(name, n -> new HashSet<>()).add(o.userObject());
          }
        }
      }
    }
    assertThat(declarations.keySet()).containsExactlyInAnyOrderElementsOf(SHARED);
    declarations.forEach(
        (name, where) -> assertThat(where).as(name + " declared at " + where).hasSize(1));
  }

  @Test
  void trainHelpHasSectionsAndStillListsEveryOption() {
    CommandLine train = new CommandLine(new MoeCli()).getSubcommands().get("train");
    String help = train.getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(help)
        .contains(
            "\nModel:\n",
            "\nTraining:\n",
            "\nKafka and topics:\n",
            "\nCheckpoints and state:\n",
            "\nLimits and resources:\n",
            "\nGeneral:\n");
    String list = help.substring(help.indexOf("\nModel:\n"));
    for (OptionSpec o : train.getCommandSpec().options()) {
      if (!o.hidden()) {
        Pattern row =
            Pattern.compile(
                // a long option in its column, or a short-only one such as -D at the margin
                "(?m)^(  -\\w, |      |  (?=-\\w[=\\s]))("
                    + Pattern.quote(o.longestName())
                    // a negatable option shows as --[no-]name
                    + "|"
                    + Pattern.quote(o.longestName().replaceFirst("^--", "--[no-]"))
                    + ")(=|\\s|$)");
        assertThat(row.matcher(list).results().count()).as(o.longestName()).isEqualTo(1);
      }
    }
    // The sections are the train command's own; other commands keep picocli's single list.
    assertThat(new CommandLine(new MoeCli()).getSubcommands().get("train-local").getUsageMessage())
        .doesNotContain("Checkpoints and state:");
  }
}
