package io.moestream.jobs.cli;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import picocli.CommandLine.Option;

/**
 * {@code -D KEY=VALUE}: a Flink setting for the commands that start Flink, in Flink's own
 * convention ({@code flink run -Dkey=value}), repeatable, applied over the product's settings.
 *
 * <p>Each is checked before Flink starts, so a typo is one line, not a setting Flink silently
 * ignores: the key must be one that the Flink on the classpath declares ({@link
 * FlinkOptionCatalog}; a key under a map-typed option or a named metric reporter, {@code
 * metrics.reporter.NAME.*}, is accepted as Flink reads those by prefix), and the value must parse
 * as that option's type. A key that the command sets from one of its own flags, or that it must
 * keep (the embedded cluster's loopback binding, the state backend the snapshot tools read), is
 * refused and the line says why: two ways to set one thing would disagree silently.
 *
 * <p>No line quotes a value: a Flink setting can be a password ({@code
 * security.ssl.keystore-password}).
 */
public final class FlinkConfigOptions {
  /** Prefixes under which Flink reads keys it does not declare one by one. */
  static final List<String> FREE_PREFIXES =
      List.of("metrics.reporter.", "traces.reporter.", "events.reporter.");

  /** System properties of this product and its libraries, which go to the JVM, not to Flink. */
  static final List<String> JVM_PROPERTY_PREFIXES =
      List.of("moe.", "ai.djl.", "org.slf4j.", "org.apache.avro.", "java.", "log4j");

  /** How many suggestions a refused key names. */
  private static final int SUGGESTIONS = 3;

  @Option(
      names = "-D",
      paramLabel = "KEY=VALUE",
      description =
          "Flink configuration setting (repeatable), as with flink run -D, e.g."
              + " -Dtaskmanager.memory.process.size=4g; applied over this command's settings and"
              + " checked against Flink's own options before Flink starts.")
  Map<String, String> settings = new LinkedHashMap<>();

  /** For picocli. */
  public FlinkConfigOptions() {}

  /** Settings for code and tests that build a command's Flink configuration themselves. */
  public static FlinkConfigOptions of(Map<String, String> settings) {
    FlinkConfigOptions o = new FlinkConfigOptions();
    o.settings = new LinkedHashMap<>(settings);
    return o;
  }

  /** The {@code -D} settings as given (validated by {@link #applyTo}). */
  public Map<String, String> settings() {
    return Map.copyOf(settings);
  }

  /**
   * {@code base} with every {@code -D} setting applied over it.
   *
   * @param reserved keys the command sets itself → why a {@code -D} may not ("set by
   *     --parallelism")
   * @throws IllegalArgumentException for an unknown or reserved key or a value of the wrong type
   */
  public Configuration applyTo(Configuration base, Map<String, String> reserved) {
    Configuration out = new Configuration(base);
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey().strip();
      String value = e.getValue() == null ? "" : e.getValue();
      check(key, value, reserved);
      out.setString(key, value);
    }
    return out;
  }

  /**
   * Checks every {@code -D} setting now, before a command starts a broker or a cluster.
   *
   * @throws IllegalArgumentException as {@link #applyTo}
   */
  public void check(Map<String, String> reserved) {
    applyTo(new Configuration(), reserved);
  }

  /** Refuses {@code key=value} with one line unless Flink reads it and the command lets it. */
  static void check(String key, String value, Map<String, String> reserved) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("-D needs KEY=VALUE, got an empty key");
    }
    if (reserved.containsKey(key)) {
      throw new IllegalArgumentException("-D " + key + " is not allowed: " + reserved.get(key));
    }
    // A reserved key ending in '.' stands for every key under it (a reporter a flag configures).
    for (Map.Entry<String, String> r : reserved.entrySet()) {
      if (r.getKey().endsWith(".") && key.startsWith(r.getKey())) {
        throw new IllegalArgumentException("-D " + key + " is not allowed: " + r.getValue());
      }
    }
    if (JVM_PROPERTY_PREFIXES.stream().anyMatch(key::startsWith)) {
      // ./moe -Dmoe.debug=true reaches picocli, not the JVM: say where such a property goes.
      throw new IllegalArgumentException(
          "-D "
              + key
              + " is a Java system property, not a Flink option: pass it to the JVM, e.g."
              + " MOE_JAVA_OPTS=-D"
              + key
              + "=... ./moe ...");
    }
    Map<String, ConfigOption<?>> known = FlinkOptionCatalog.options();
    ConfigOption<?> option = known.get(key);
    if (option != null) {
      checkType(key, value, option);
      return;
    }
    if (FREE_PREFIXES.stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length())) {
      return;
    }
    for (ConfigOption<?> o : known.values()) {
      if (key.startsWith(o.key() + ".") && ConfigurationUtils.canBePrefixMap(o)) {
        return;
      }
    }
    List<String> near = suggestions(key, known.keySet());
    throw new IllegalArgumentException(
        "-D "
            + key
            + " is not a Flink configuration option"
            + (near.isEmpty() ? "" : "; did you mean " + CliErrors.either(near) + "?"));
  }

  private static void checkType(String key, String value, ConfigOption<?> option) {
    try {
      Configuration.fromMap(Map.of(key, value)).get(option);
    } catch (RuntimeException e) {
      // Never e.getMessage(): Flink quotes the value, which may be a secret.
      throw new IllegalArgumentException(
          "-D " + key + " needs " + typeName(option) + ", the value given does not parse as one");
    }
  }

  /** "a Duration", "an Integer", "one of [HASHMAP, ...]": what the option's values are. */
  static String typeName(ConfigOption<?> option) {
    try {
      Method m = ConfigOption.class.getDeclaredMethod("getClazz");
      m.setAccessible(true);
      Class<?> c = (Class<?>) m.invoke(option);
      boolean list = (Boolean) invoke(option, "isList");
      String name =
          c.isEnum()
              ? "one of " + java.util.Arrays.toString(c.getEnumConstants())
              : c.getSimpleName();
      if (list) {
        return "a list (;-separated) of " + name;
      }
      return c.isEnum() ? name : ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "a value of its type";
    }
  }

  private static Object invoke(Object target, String method) throws ReflectiveOperationException {
    Method m = ConfigOption.class.getDeclaredMethod(method);
    m.setAccessible(true);
    return m.invoke(target);
  }

  /**
   * The known keys closest to {@code key}: within a quarter of its length in edits (2 at least).
   */
  static List<String> suggestions(String key, java.util.Collection<String> known) {
    int limit = Math.max(2, key.length() / 4);
    return known.stream()
        .filter(k -> Math.abs(k.length() - key.length()) <= limit)
        .map(k -> Map.entry(k, CliErrors.editDistance(key, k)))
        .filter(e -> e.getValue() <= limit)
        .sorted(
            Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .limit(SUGGESTIONS)
        .map(Map.Entry::getKey)
        .toList();
  }
}
