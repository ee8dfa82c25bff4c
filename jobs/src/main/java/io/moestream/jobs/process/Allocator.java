package io.moestream.jobs.process;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The malloc that serves this process, and so libtorch's tensors: glibc's own, or an allocator
 * preloaded in its place ({@code ./moe} preloads jemalloc where installed, the Flink image always).
 * Told from the libraries mapped into the process, by file name (a preloaded allocator is mapped
 * before any other library could load one, and an allocator library is mapped for no other reason
 * in this product's processes). It matters because glibc's malloc fragments under a trainer's
 * ever-changing tensor sizes and resident memory grows over a long run (README "Memory").
 *
 * @param name {@code glibc}, {@code jemalloc}, {@code tcmalloc}, {@code mimalloc} or {@code
 *     tbbmalloc_proxy}; {@code unknown} where the process's mapped libraries cannot be read (not
 *     Linux)
 * @param library the preloaded allocator's file, or null for glibc's own
 * @param settings the environment variables that tune it, those that are set, each allocator's in
 *     one fixed order
 */
public record Allocator(String name, String library, Map<String, String> settings) {
  public static final String GLIBC = "glibc";
  public static final String UNKNOWN = "unknown";

  /** The allocators that take over {@code malloc} when preloaded, by the name in their file. */
  private static final List<String> PRELOADABLE =
      List.of("jemalloc", "tcmalloc", "mimalloc", "tbbmalloc_proxy");

  /** {@code ./moe}'s own switch: {@code MOE_MALLOC=glibc} keeps it from preloading jemalloc. */
  private static final String OPT_OUT = "MOE_MALLOC";

  /** What the kernel appends to a mapped file that was deleted (or replaced) since. */
  private static final String DELETED = " (deleted)";

  /**
   * The variables each allocator reads (glibc's: the thresholds {@code ./moe} sets, its opt-out).
   */
  private static final Map<String, List<String>> VARIABLES =
      Map.of(
          GLIBC,
          List.of("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", OPT_OUT),
          "jemalloc",
          List.of("MALLOC_CONF"),
          "tcmalloc",
          List.of("TCMALLOC_RELEASE_RATE"),
          "mimalloc",
          List.of("MIMALLOC_PURGE_DELAY"),
          "tbbmalloc_proxy",
          List.of());

  public Allocator {
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  /** The allocator of this process, from {@code /proc/self/maps} and its environment. */
  public static Allocator ofThisProcess() {
    return of(ProcMaps.ofThisProcess());
  }

  /**
   * The allocator told from this process's mappings already read ({@link ProcMaps#ofThisProcess()})
   * and its environment; {@code unknown} where they could not be read.
   */
  public static Allocator of(Optional<List<String>> maps) {
    return maps.map(lines -> from(lines, System.getenv()))
        .orElseGet(() -> new Allocator(UNKNOWN, null, Map.of()));
  }

  /**
   * @param mapsLines the lines of {@code /proc/<pid>/maps}
   * @param env the process's environment
   */
  static Allocator from(List<String> mapsLines, Map<String, String> env) {
    String name = GLIBC;
    String library = null;
    for (String line : mapsLines) {
      String path = mappedPath(line);
      String preloaded = preloadedName(path);
      if (preloaded != null) {
        name = preloaded;
        library = path;
        break;
      }
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (String v : VARIABLES.get(name)) {
      String value = env.get(v);
      if (value != null) {
        settings.put(v, value);
      }
    }
    return new Allocator(name, library, settings);
  }

  /** Whether glibc's own malloc serves the process (its books, {@code mallinfo2}, count then). */
  public boolean isGlibc() {
    return GLIBC.equals(name);
  }

  /**
   * One line for an operator: the allocator, its file and settings, and what to do where it is
   * glibc's (its fragmentation grows resident memory over long runs).
   */
  public String describe() {
    StringBuilder s = new StringBuilder(name);
    if (library != null) {
      s.append(' ').append(library);
    }
    if (!settings.isEmpty()) {
      StringBuilder vars = new StringBuilder();
      for (String v : VARIABLES.get(name)) {
        if (settings.containsKey(v)) {
          vars.append(vars.length() == 0 ? "" : " ").append(v).append('=').append(settings.get(v));
        }
      }
      s.append(" (").append(vars).append(')');
    } else if (isGlibc()) {
      s.append(" (its defaults)");
    }
    if (isGlibc() && GLIBC.equals(settings.get(OPT_OUT))) {
      s.append("; resident memory grows over long runs on glibc's malloc (README \"Memory\")");
    } else if (isGlibc()) {
      s.append(
          "; resident memory grows over long runs on glibc's malloc: install jemalloc"
              + " (libjemalloc2) and start through ./moe, which preloads it (README \"Memory\")");
    }
    return s.toString();
  }

  /** The file a maps line names, or "" (anonymous mappings, [heap], [stack]). */
  private static String mappedPath(String line) {
    String l = line.strip();
    int slash = l.indexOf('/');
    String path = slash < 0 ? "" : l.substring(slash);
    return path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
  }

  /** The allocator a mapped file is, by its name ({@code libjemalloc.so.2}), or null. */
  static String preloadedName(String path) {
    String file = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    for (String name : PRELOADABLE) {
      if (file.startsWith("lib" + name) && file.contains(".so")) {
        return name;
      }
    }
    return null;
  }
}
