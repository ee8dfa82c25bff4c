package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint written by the build before the snapshot metadata became versioned JSON (issue 15):
 * today's build lists and exports it with the step, token count, digest and active slots that build
 * printed for it (see the fixture's README). Held beside {@code LegacyMetaReaderTest}, which reads
 * the same format's entries without Flink.
 */
class LegacySavepointITCase {
  private static final String DIGEST =
      "3d6e7bf8e630f44b477fe04102bf4e91486d03bb930a5649589acff643b9ea69";

  @TempDir Path tmp;

  @Test
  void aSavepointOfThePositionCodedFormatListsAndExportsAsItsBuildPrintedIt() throws Exception {
    Path savepoint = copyOfFixture();

    CliRun list = CliRun.of("snapshot", "list", "--savepoint", savepoint.toString());
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out())
        .contains("demo step=181 tokens=12000 digest=" + DIGEST + " active=0,1,2");

    Path out = tmp.resolve("export");
    CliRun export = CliRun.export(savepoint.toString(), out);
    assertThat(export.exit()).as(export.err()).isZero();
    var manifest = new ObjectMapper().readTree(out.resolve("demo/manifest.json").toFile());
    assertThat(manifest.toString()).contains(DIGEST);
    assertThat(manifest.path("step").asLong()).isEqualTo(181);
  }

  /** The fixture, copied: the export must not write beside the committed files. */
  private Path copyOfFixture() throws Exception {
    Path fixture = Path.of(getClass().getResource("/savepoints/position-coded-meta").toURI());
    Path copy = Files.createDirectories(tmp.resolve("savepoint"));
    try (Stream<Path> files = Files.list(fixture)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }
}
