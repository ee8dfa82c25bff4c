package io.moestream.jobs.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: a Java properties file whose keys are a command's long option names
 * without the dashes ({@code bootstrap-servers = host:9092}, {@code d = 128}, {@code router =
 * dynmoe}). Its values become the options' defaults, so the command line still overrides them, and
 * every value goes through the same typed conversion and config-record validation as a flag. A key
 * the command does not have is an error (a typo must not be silently ignored), and so is a missing
 * file.
 */
public final class ConfigFile implements CommandLine.IDefaultValueProvider {
  public static final String OPTION = "--config";
  private final Path path;
  private final Properties values;

  private ConfigFile(Path path, Properties values) {
    this.path = path;
    this.values = values;
  }

  /** The file named by {@code --config FILE} or {@code --config=FILE} in {@code args}, if any. */
  public static ConfigFile find(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(OPTION) && i + 1 < args.length) {
        return load(Path.of(args[i + 1]));
      }
      if (args[i].startsWith(OPTION + "=")) {
        return load(Path.of(args[i].substring(OPTION.length() + 1)));
      }
    }
    return null;
  }

  static ConfigFile load(Path path) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("cannot read --config " + path + ": no such file", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config " + path + ": " + e.getMessage(), e);
    }
    return new ConfigFile(path, p);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    return arg instanceof OptionSpec o ? values.getProperty(key(o)) : null;
  }

  /** Fails on any key that is not an option of {@code command} (the one being run). */
  public void checkKeys(CommandSpec command) {
    Set<String> known = new TreeSet<>();
    for (OptionSpec o : command.options()) {
      known.add(key(o));
    }
    known.remove(key(OPTION));
    for (String k : new TreeSet<>(values.stringPropertyNames())) {
      if (!known.contains(k)) {
        throw new UnknownSetting(
            "unknown setting '"
                + k
                + "' in "
                + path
                + " for '"
                + command.qualifiedName()
                + "'; its settings are: "
                + String.join(", ", known));
      }
    }
  }

  /** A key the command does not have: the message names keys and the file, never a value. */
  static final class UnknownSetting extends IllegalArgumentException {
    UnknownSetting(String message) {
      super(message);
    }
  }

  private static String key(OptionSpec o) {
    return key(o.longestName());
  }

  private static String key(String optionName) {
    return optionName.replaceFirst("^-+", "");
  }
}
