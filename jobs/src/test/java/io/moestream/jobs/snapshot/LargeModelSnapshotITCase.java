package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.kafka.ClassBroker;
import io.moestream.moe.codec.EntryChunks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose {@code shared} group is about 410 MB, 391 MiB (d=2048: 34 M shared parameters, 12
 * bytes each with the two AdamW moments) trained by the real job ({@code train --bounded}): the
 * trainer writes that entry into RocksDB keyed state in two chunks of the job's real chunk size,
 * the final savepoint holds them, and {@code snapshot list}, {@code snapshot export} (with the
 * trainer state), {@code registry check} and {@code infer} read the model back whole. A few records
 * only: the point is the size.
 */
class LargeModelSnapshotITCase {
  @RegisterExtension static final ClassBroker broker = new ClassBroker(1);
  @TempDir static Path tmp;

  @Test
  void aModelWithASharedGroupOfSeveralHundredMegabytesIsChunkedExportedAndServed()
      throws Exception {
    CliRun produced = CliRun.produce(broker.bootstrapServers(), 40, "large");
    assertThat(produced.exit()).as(produced.err()).isZero();
    CliRun trained =
        CliRun.trainBounded(
            broker.bootstrapServers(),
            tmp.resolve("run"),
            "--threads",
            "1",
            "--d",
            "2048",
            "--layers",
            "2",
            "--heads",
            "8",
            "--ctx",
            "16",
            "--ff",
            "8",
            "--experts",
            "1",
            "--emax",
            "2",
            "--batch",
            "1");
    assertThat(trained.exit()).as(trained.err()).isZero();
    String savepoint = trained.after("savepoint ");
    String digest = trained.after("model large=").split("@")[0];

    // The stored values: the shared entry in two chunks, none over the chunk size.
    Path read = Files.createDirectories(tmp.resolve("read"));
    Map<String, Path> chunks =
        SavepointModels.read(SnapshotExportCommand.localPath(savepoint), Set.of(), read)
            .models()
            .get("large")
            .chunks();
    assertThat(chunks).containsKeys("meta", "shared", "shared#1").doesNotContainKey("shared#2");
    for (Map.Entry<String, Path> c : chunks.entrySet()) {
      assertThat(Files.size(c.getValue()))
          .as(c.getKey())
          .isLessThanOrEqualTo(EntryChunks.CHUNK_BYTES);
    }
    assertThat(Files.size(chunks.get("shared"))).isEqualTo(EntryChunks.CHUNK_BYTES);
    assertThat(Files.size(chunks.get("shared")) + Files.size(chunks.get("shared#1")))
        .isGreaterThan(380L << 20);
    SavepointFiles.deleteTree(read);

    CliRun listed = CliRun.of("snapshot", "list", "--savepoint", savepoint);
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out()).contains("large step=", "digest=" + digest);

    Path out = tmp.resolve("export");
    CliRun exported = CliRun.export(savepoint, out, "--with-trainer-state");
    assertThat(exported.exit()).as(exported.err()).isZero();
    assertThat(exported.out()).contains("exported large", "digest=" + digest);
    assertThat(Files.size(out.resolve("large").resolve("trainer-state.bin")))
        .isGreaterThan(380L << 20);
    CliRun check = CliRun.registryCheck(out, broker.bootstrapServers());
    assertThat(check.exit()).as(check.out() + check.err()).isZero();
    assertThat(check.out()).contains("registry agrees with 1 model(s)");
    CliRun inferred =
        CliRun.of(
            "infer", "--snapshot", out.resolve("large").toString(), "--text", "hi", "--no-routes");
    assertThat(inferred.exit()).as(inferred.err()).isZero();
    assertThat(inferred.out()).isNotBlank();
  }
}
