package io.moestream.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Headed sections in a command's long help, for a command with too many options to read as one
 * alphabetical list ({@code train}). picocli's {@code @ArgGroup} headings would do this, but an arg
 * group cannot hold the shared option mixins ({@link ModelOptions}, {@link TrainOptions}, ...), so
 * the sections are drawn from option names instead. An option named in no section still shows,
 * under {@code General}: the sections change where an option appears, never whether.
 */
public final class OptionSections {
  /** Heading of the options no section names (help, version, --config). */
  public static final String GENERAL = "General:";

  private OptionSections() {}

  /**
   * Replaces {@code spec}'s option list with one list per section, in the given order; {@code
   * sections} maps a heading to the long names of its options.
   */
  public static void install(CommandSpec spec, Map<String, List<String>> sections) {
    Map<String, List<String>> copy = new LinkedHashMap<>(sections);
    spec.usageMessage().sectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING, h -> "");
    spec.usageMessage()
        .sectionMap()
        .put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> render(help, copy));
  }

  private static String render(Help help, Map<String, List<String>> sections) {
    List<OptionSpec> visible =
        help.commandSpec().options().stream().filter(o -> !o.hidden()).toList();
    List<OptionSpec> unplaced = new ArrayList<>(visible);
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, List<String>> section : sections.entrySet()) {
      List<OptionSpec> options = new ArrayList<>();
      for (String name : section.getValue()) {
        for (OptionSpec o : visible) {
          if (o.longestName().equals(name) && unplaced.remove(o)) {
            options.add(o);
          }
        }
      }
      append(out, help, section.getKey(), options);
    }
    append(out, help, GENERAL, unplaced);
    return out.toString();
  }

  private static void append(
      StringBuilder out, Help help, String heading, List<OptionSpec> options) {
    if (options.isEmpty()) {
      return;
    }
    out.append(System.lineSeparator()).append(heading).append(System.lineSeparator());
    out.append(
        help.optionListExcludingGroups(
            options, help.createDefaultLayout(), null, help.parameterLabelRenderer()));
  }
}
