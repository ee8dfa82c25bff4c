package io.moestream.jobs.cli;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

/**
 * Every configuration option the Flink on this classpath declares, found the way Flink's own
 * documentation generator finds them: the {@code public static ConfigOption} fields of its {@code
 * *Options} classes ({@code CheckpointingOptions}, {@code RestOptions}, {@code RocksDBOptions}, the
 * Kafka connector's, a metric reporter's...). So a {@code -D} key is checked against the Flink that
 * will read it, not against a list kept by hand that a Flink upgrade would leave behind.
 *
 * <p>Found by listing every jar's {@code org/apache/flink/**}{@code Options.class} (each jar is
 * found by its manifest, which works for the fat jar, a plain classpath and Maven's test
 * classpath), skipping Flink's shaded third-party code.
 */
final class FlinkOptionCatalog {
  private static volatile Map<String, ConfigOption<?>> options;

  private FlinkOptionCatalog() {}

  /** Key (and every deprecated or fallback key) → option. */
  static Map<String, ConfigOption<?>> options() {
    Map<String, ConfigOption<?>> o = options;
    if (o == null) {
      synchronized (FlinkOptionCatalog.class) {
        if (options == null) {
          options = Collections.unmodifiableMap(scan());
        }
        o = options;
      }
    }
    return o;
  }

  private static Map<String, ConfigOption<?>> scan() {
    Map<String, ConfigOption<?>> out = new LinkedHashMap<>();
    ClassLoader loader = FlinkOptionCatalog.class.getClassLoader();
    try {
      Enumeration<URL> manifests = loader.getResources("META-INF/MANIFEST.MF");
      while (manifests.hasMoreElements()) {
        URLConnection c = manifests.nextElement().openConnection();
        if (c instanceof JarURLConnection jar) {
          jar.setUseCaches(false);
          try (JarFile file = jar.getJarFile()) {
            scan(file, loader, out);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list Flink's configuration options", e);
    }
    return out;
  }

  private static void scan(JarFile jar, ClassLoader loader, Map<String, ConfigOption<?>> out) {
    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
      String name = e.nextElement().getName();
      if (name.startsWith("org/apache/flink/")
          && !name.startsWith("org/apache/flink/shaded/")
          && name.endsWith("Options.class")
          && !name.contains("$")) {
        addFields(
            name.substring(0, name.length() - ".class".length()).replace('/', '.'), loader, out);
      }
    }
  }

  private static void addFields(
      String className, ClassLoader loader, Map<String, ConfigOption<?>> out) {
    Class<?> cls;
    try {
      cls = Class.forName(className, true, loader);
    } catch (ReflectiveOperationException | LinkageError e) {
      return; // a class whose dependencies are not on this classpath declares nothing usable here
    }
    for (Field f : cls.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
        try {
          ConfigOption<?> option = (ConfigOption<?>) f.get(null);
          if (option != null) {
            out.putIfAbsent(option.key(), option);
            for (FallbackKey k : option.fallbackKeys()) {
              out.putIfAbsent(k.getKey(), option);
            }
          }
        } catch (IllegalAccessException ignored) {
          // public fields only; nothing to read
        }
      }
    }
  }
}
