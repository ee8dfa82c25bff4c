package io.moestream.moe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.NodeList;

/**
 * Layout rules of the repository that no compiler checks (issue 15): every package of main sources
 * says in a {@code package-info.java} what it is for and what it may import, and the libraries
 * under {@code operators/} and {@code state/} never reach up into the jobs module. It reads the
 * sources of every module of the reactor, found through the poms' {@code <module>} lists from the
 * repository root; it lives in moe-core only because that is the first library module the build
 * tests.
 */
class ProjectLayoutTest {

  /**
   * A reference into the jobs module: an import, a qualified name or a Javadoc link — a name under
   * {@code io.moestream.jobs}, not prose that names the package (package-infos state the rule).
   */
  private static final Pattern JOBS_REFERENCE =
      Pattern.compile("\\bio\\.moestream\\.jobs\\.[\\w*]");

  /** A class of this project named by its package: {@code io.moestream.x.y.Name}. */
  private static final Pattern PROJECT_CLASS =
      Pattern.compile("\\b(io\\.moestream(?:\\.[a-z]\\w*)+)\\.[A-Z]");

  private static final Pattern COMMENT = Pattern.compile("(?s)/\\*.*?\\*/|//[^\n]*");

  private static final Pattern PACKAGE_DECLARATION =
      Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");

  private static final String SELF = ProjectLayoutTest.class.getSimpleName() + ".java";

  private static final Path ROOT = repositoryRoot(Path.of("").toAbsolutePath());

  @Test
  void findsEveryModuleOfTheReactor() {
    assertThat(modules().keySet())
        .contains("schemas", "operators/moe-core", "operators/flink-operators", "state", "jobs");
  }

  @Test
  void everyMainPackageHasAPackageInfo() throws IOException {
    List<String> checked = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (var module : modules().entrySet()) {
      for (Path pkg : mainPackages(module.getValue())) {
        String where = ROOT.relativize(pkg).toString();
        checked.add(where);
        if (!Files.exists(pkg.resolve("package-info.java"))) {
          missing.add(where);
        }
      }
    }
    assertThat(checked).isNotEmpty();
    assertThat(missing)
        .as(
            "packages without package-info.java (one Javadoc paragraph: purpose, key classes,"
                + " what it may import)")
        .isEmpty();
  }

  @Test
  void packageInfosDocumentTheirOwnPackage() throws IOException {
    List<String> wrong = new ArrayList<>();
    int seen = 0;
    for (Path module : modules().values()) {
      Path sources = module.resolve("src/main/java");
      for (Path pkg : mainPackages(module)) {
        Path info = pkg.resolve("package-info.java");
        if (!Files.exists(info)) {
          continue;
        }
        seen++;
        String text = Files.readString(info);
        String expected =
            sources.relativize(pkg).toString().replace(pkg.getFileSystem().getSeparator(), ".");
        Matcher declared = PACKAGE_DECLARATION.matcher(text);
        if (!declared.find() || !declared.group(1).equals(expected)) {
          wrong.add(ROOT.relativize(info) + ": does not declare package " + expected);
        } else if (!text.substring(0, declared.start()).contains("/**")) {
          wrong.add(ROOT.relativize(info) + ": has no Javadoc comment before its declaration");
        }
      }
    }
    assertThat(seen).isPositive();
    assertThat(wrong).isEmpty();
  }

  @Test
  void operatorsAndStateNeverReferenceTheJobsModule() throws IOException {
    Set<String> scanned = new TreeSet<>();
    List<String> references = new ArrayList<>();
    for (var module : modules().entrySet()) {
      String name = module.getKey();
      if (!name.startsWith("operators/") && !name.equals("state")) {
        continue;
      }
      for (Path file : javaFiles(module.getValue().resolve("src"))) {
        if (file.getFileName().toString().equals(SELF)) {
          continue; // the examples of recognisesEveryFormOfAJobsReference
        }
        scanned.add(name);
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          if (JOBS_REFERENCE.matcher(lines.get(i)).find()) {
            references.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertThat(scanned).contains("operators/moe-core", "operators/flink-operators", "state");
    assertThat(references).as("references to io.moestream.jobs from a library module").isEmpty();
  }

  @Test
  void recognisesEveryFormOfAJobsReference() {
    assertThat(JOBS_REFERENCE.matcher("import io.moestream.jobs.MoeCli;").find()).isTrue();
    assertThat(JOBS_REFERENCE.matcher("import static io.moestream.jobs.cli.Exit.BAD;").find())
        .isTrue();
    assertThat(JOBS_REFERENCE.matcher(" * {@link io.moestream.jobs.stream.MoeStreamingJob}").find())
        .isTrue();
    assertThat(JOBS_REFERENCE.matcher("import io.moestream.jobs.*;").find()).isTrue();
    assertThat(JOBS_REFERENCE.matcher("import io.moestream.jobsite.Page;").find()).isFalse();
    assertThat(JOBS_REFERENCE.matcher(" * never {@code io.moestream.jobs} (the rule)").find())
        .isFalse();
    assertThat(JOBS_REFERENCE.matcher("import io.moestream.operators.RawRecord;").find()).isFalse();
  }

  /** Every module with main sources, by its path from the root ('/'-separated), in path order. */
  /**
   * No two packages of one module import each other, directly or through others: the package-infos
   * describe layers (each says what it may import), and a cycle would make that description false
   * without anyone noticing. Imports and fully qualified names of this project's classes count.
   */
  @Test
  void noPackageOfAModuleDependsOnItselfThroughOthers() throws IOException {
    List<String> cycles = new ArrayList<>();
    int packages = 0;
    for (Path module : modules().values()) {
      Map<String, Set<String>> uses = packageDependencies(module);
      packages += uses.size();
      for (String start : uses.keySet()) {
        List<String> path = cycleThrough(start, uses);
        if (!path.isEmpty()) {
          cycles.add(String.join(" -> ", path));
        }
      }
    }
    assertThat(packages).isGreaterThan(20);
    assertThat(cycles).as("package cycles").isEmpty();
  }

  @Test
  void findsACycleWhereThereIsOne() {
    Map<String, Set<String>> uses =
        Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
    assertThat(cycleThrough("a", uses)).containsExactly("a", "b", "c", "a");
    assertThat(cycleThrough("d", uses)).isEmpty();
  }

  /** Each main package of a module and the other packages of this project its sources name. */
  private static Map<String, Set<String>> packageDependencies(Path module) throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    for (Path file : javaFiles(module.resolve("src/main/java"))) {
      String text = Files.readString(file);
      Matcher declared = PACKAGE_DECLARATION.matcher(text);
      if (!declared.find()) {
        continue;
      }
      Set<String> used = uses.computeIfAbsent(declared.group(1), k -> new TreeSet<>());
      // Code only: a Javadoc link to a higher layer documents it, it does not depend on it.
      String code = COMMENT.matcher(text.substring(declared.end())).replaceAll(" ");
      Matcher named = PROJECT_CLASS.matcher(code);
      while (named.find()) {
        used.add(named.group(1));
      }
      used.remove(declared.group(1));
    }
    return uses;
  }

  /** A path from {@code start} back to itself through {@code uses}, or empty when none exists. */
  private static List<String> cycleThrough(String start, Map<String, Set<String>> uses) {
    Deque<List<String>> paths = new ArrayDeque<>();
    paths.add(List.of(start));
    Set<String> seen = new HashSet<>();
    while (!paths.isEmpty()) {
      List<String> path = paths.poll();
      for (String next : uses.getOrDefault(path.get(path.size() - 1), Set.of())) {
        List<String> longer = new ArrayList<>(path);
        longer.add(next);
        if (next.equals(start)) {
          return longer;
        }
        if (seen.add(next)) {
          paths.add(longer);
        }
      }
    }
    return List.of();
  }

  private static TreeMap<String, Path> modules() {
    TreeMap<String, Path> out = new TreeMap<>();
    collectModules(ROOT, out);
    return out;
  }

  private static void collectModules(Path aggregator, TreeMap<String, Path> out) {
    for (String name : moduleNames(aggregator)) {
      Path module = aggregator.resolve(name).normalize();
      if (Files.isDirectory(module.resolve("src/main/java"))) {
        out.put(ROOT.relativize(module).toString().replace('\\', '/'), module);
      }
      collectModules(module, out);
    }
  }

  /** The {@code <module>} entries of {@code dir/pom.xml}; none when there is no pom. */
  private static List<String> moduleNames(Path dir) {
    Path pom = dir.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return List.of();
    }
    try {
      NodeList nodes =
          DocumentBuilderFactory.newInstance()
              .newDocumentBuilder()
              .parse(pom.toFile())
              .getElementsByTagName("module");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < nodes.getLength(); i++) {
        names.add(nodes.item(i).getTextContent().strip());
      }
      return names;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + pom, e);
    }
  }

  /**
   * The repository root: from the module surefire runs in, up while the parent directory's pom
   * lists the current directory as a module.
   */
  private static Path repositoryRoot(Path moduleDir) {
    Path dir = moduleDir;
    while (dir.getParent() != null && aggregates(dir.getParent(), dir)) {
      dir = dir.getParent();
    }
    return dir;
  }

  private static boolean aggregates(Path parent, Path child) {
    return moduleNames(parent).stream()
        .anyMatch(name -> parent.resolve(name).normalize().equals(child.normalize()));
  }

  /** Directories under the module's main sources that hold at least one class (a package). */
  private static List<Path> mainPackages(Path module) throws IOException {
    List<Path> packages = new ArrayList<>();
    for (Path file : javaFiles(module.resolve("src/main/java"))) {
      if (!file.getFileName().toString().equals("package-info.java")
          && !packages.contains(file.getParent())) {
        packages.add(file.getParent());
      }
    }
    return packages;
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }
}
