package io.moestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every schema in {@code src/main/avro} must read data written with each of its earlier versions in
 * {@code src/test/resources/schemas/history/<Name>/vN.avsc}, checked by Avro's own {@link
 * SchemaCompatibility}. Schemas are found automatically; one without history fails.
 */
class SchemaCompatibilityTest {

  private static final Pattern VERSION = Pattern.compile("v([1-9][0-9]*)\\.avsc");

  private static Path avroDir() {
    return Path.of(System.getProperty("schemas.avro.dir", "src/main/avro"));
  }

  private static Path historyDir() {
    return Path.of(System.getProperty("schemas.history.dir", "src/test/resources/schemas/history"));
  }

  private static List<Path> currentSchemaFiles() throws IOException {
    try (Stream<Path> files = Files.list(avroDir())) {
      return files.filter(p -> p.getFileName().toString().endsWith(".avsc")).sorted().toList();
    }
  }

  private static String nameOf(Path avsc) {
    String file = avsc.getFileName().toString();
    return file.substring(0, file.length() - ".avsc".length());
  }

  private static Schema parse(Path file) throws IOException {
    return new Schema.Parser().parse(file.toFile()); // one parser per file: no name clashes
  }

  /** The history files of {@code name}, ordered v1, v2, ...; fails on gaps and stray files. */
  private static List<Path> historyOf(String name) throws IOException {
    Path dir = historyDir().resolve(name);
    assertThat(dir)
        .as(
            "schema %s has no history: copy src/main/avro/%s.avsc to %s/v1.avsc"
                + " (and keep every released version there)",
            name, name, dir)
        .isDirectory();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.sorted().toList();
    }
    List<Path> ordered = new ArrayList<>();
    for (Path f : files) {
      Matcher m = VERSION.matcher(f.getFileName().toString());
      assertThat(m.matches()).as("unexpected file in history: %s (want vN.avsc)", f).isTrue();
    }
    for (int v = 1; v <= files.size(); v++) {
      Path f = dir.resolve("v" + v + ".avsc");
      assertThat(f)
          .as("history of %s must be v1..v%d without gaps; %s is missing", name, files.size(), f)
          .isRegularFile();
      ordered.add(f);
    }
    assertThat(ordered).as("schema %s has an empty history folder %s", name, dir).isNotEmpty();
    return ordered;
  }

  @Test
  void findsAllFourSchemas() throws IOException {
    assertThat(currentSchemaFiles().stream().map(SchemaCompatibilityTest::nameOf))
        .contains("TokenSequence", "ExpertLifecycleEvent", "TrainingSummary", "DeadLetter");
  }

  @TestFactory
  Stream<DynamicTest> currentSchemaReadsEveryEarlierVersion() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path file : currentSchemaFiles()) {
      String name = nameOf(file);
      tests.add(
          DynamicTest.dynamicTest(
              name + " has a history",
              () -> {
                Schema current = parse(file);
                assertThat(current.getName()).as("file name of %s", file).isEqualTo(name);
                historyOf(name);
              }));
      for (Path old : historyDirFiles(name)) {
        tests.add(
            DynamicTest.dynamicTest(
                name + " reads " + old.getFileName(),
                () -> {
                  Schema current = parse(file);
                  Schema writer = parse(old);
                  assertThat(writer.getFullName()).isEqualTo(current.getFullName());
                  SchemaPairCompatibility result =
                      SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
                  assertThat(result.getType())
                      .as(
                          "%s (current) cannot read data written with %s: %s",
                          name, old, result.getResult().getIncompatibilities())
                      .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                }));
      }
    }
    return tests.stream();
  }

  /** History files as found (the "has a history" test reports a missing folder). */
  private static List<Path> historyDirFiles(String name) throws IOException {
    Path dir = historyDir().resolve(name);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> VERSION.matcher(p.getFileName().toString()).matches())
          .sorted()
          .toList();
    }
  }

  @Test
  void everyHistoryFolderBelongsToACurrentSchema() throws IOException {
    Set<String> current =
        currentSchemaFiles().stream()
            .map(SchemaCompatibilityTest::nameOf)
            .collect(Collectors.toCollection(TreeSet::new));
    try (Stream<Path> dirs = Files.list(historyDir())) {
      assertThat(dirs.map(d -> d.getFileName().toString()))
          .as("a schema was deleted or renamed; consumers of its topic would break")
          .allMatch(current::contains);
    }
  }

  @Test
  void generatedClassesMatchTheFilesAndTheCodecKnowsTheirHistory() throws IOException {
    for (Path file : currentSchemaFiles()) {
      String name = nameOf(file);
      Class<?> type;
      try {
        type = Class.forName("io.moestream.schemas." + name);
      } catch (ClassNotFoundException e) {
        throw new AssertionError("no generated class for " + file, e);
      }
      Schema generated = org.apache.avro.specific.SpecificData.get().getSchema(type);
      // The generator adds "avro.java.string" properties; the wire form must be the file's.
      assertThat(SchemaNormalization.toParsingForm(generated))
          .as("generated %s", name)
          .isEqualTo(SchemaNormalization.toParsingForm(parse(file)));
      // The jar ships the history so AvroCodec decodes records of every earlier version.
      List<Schema> shipped = AvroCodec.history(type);
      List<Schema> onDisk = new ArrayList<>();
      for (Path old : historyOf(name)) {
        onDisk.add(parse(old));
      }
      assertThat(shipped).as("history of %s on the class path", name).isEqualTo(onDisk);
    }
  }

  // ---- the check itself reports incompatible changes ----

  private static Schema current(String name) throws IOException {
    return parse(avroDir().resolve(name + ".avsc"));
  }

  private static Schema withFields(Schema record, UnaryOperator<List<Schema.Field>> edit) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      fields.add(new Schema.Field(f, f.schema()));
    }
    return Schema.createRecord(
        record.getName(), record.getDoc(), record.getNamespace(), false, edit.apply(fields));
  }

  private static Schema withKindSymbols(Schema event, List<String> symbols, String enumDefault) {
    Schema kind = event.getField("kind").schema();
    Schema newKind =
        Schema.createEnum(kind.getName(), kind.getDoc(), kind.getNamespace(), symbols, enumDefault);
    return withFields(
        event,
        fields -> {
          fields.replaceAll(
              f ->
                  f.name().equals("kind")
                      ? new Schema.Field("kind", newKind, f.doc(), "UNKNOWN")
                      : f);
          return fields;
        });
  }

  private static SchemaCompatibilityType compatibility(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
  }

  @Test
  void addingAFieldWithoutDefaultIsIncompatible() throws IOException {
    Schema old = current("TokenSequence");
    Schema withoutDefault =
        withFields(
            old,
            fields -> {
              fields.add(new Schema.Field("priority", Schema.create(Schema.Type.INT), "doc"));
              return fields;
            });
    Schema withDefault =
        withFields(
            old,
            fields -> {
              fields.add(new Schema.Field("priority", Schema.create(Schema.Type.INT), "doc", 0));
              return fields;
            });

    assertThat(compatibility(withoutDefault, old)).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    assertThat(compatibility(withDefault, old)).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void removingAnEnumSymbolIsIncompatibleUnlessTheEnumHasADefault() throws IOException {
    Schema old = current("ExpertLifecycleEvent");
    Schema noDefault = withKindSymbols(old, List.of("SPAWNED", "UNKNOWN"), null);
    Schema withDefault = withKindSymbols(old, List.of("SPAWNED", "UNKNOWN"), "UNKNOWN");

    assertThat(compatibility(noDefault, old)).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    assertThat(compatibility(withDefault, old)).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void currentEventSchemaReadsAWriterWithANewKind() throws IOException {
    Schema current = current("ExpertLifecycleEvent");
    Schema future =
        withKindSymbols(current, List.of("SPAWNED", "PRUNED", "UNKNOWN", "MERGED"), "UNKNOWN");
    assertThat(compatibility(current, future)).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void removingAFieldWithoutDefaultIsIncompatibleForOldReaders() throws IOException {
    // Forward direction (an old reader, a new writer): dropping a required field breaks it.
    Schema old = current("TrainingSummary");
    Schema dropped =
        withFields(
            old,
            fields -> {
              fields.removeIf(f -> f.name().equals("prequentialLoss"));
              return fields;
            });
    assertThat(compatibility(old, dropped)).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }
}
