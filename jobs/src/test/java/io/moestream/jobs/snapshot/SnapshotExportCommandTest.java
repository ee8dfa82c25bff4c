package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Directory names of model ids and the savepoint locations export accepts. */
class SnapshotExportCommandTest {
  @Test
  void modelIdsBecomeSafeDistinctDirectoryNames() {
    assertThat(SnapshotExportCommand.dirName("alpha-1.v2_x")).isEqualTo("alpha-1.v2_x");
    assertThat(SnapshotExportCommand.dirName("tenant/a")).isEqualTo("tenant%2Fa");
    assertThat(SnapshotExportCommand.dirName("..")).isEqualTo("%2E.");
    assertThat(SnapshotExportCommand.dirName("ü %")).isEqualTo("%C3%BC%20%25");
    assertThat(SnapshotExportCommand.dirName("a%2Fb")).isNotEqualTo("a%2Fb").isEqualTo("a%252Fb");
  }

  @Test
  void localPathsAndFileUrisAreAcceptedRemoteOnesRefused() {
    assertThat(SnapshotExportCommand.localPath("/x/sp-1")).isEqualTo(Path.of("/x/sp-1"));
    assertThat(SnapshotExportCommand.localPath("file:/x/sp-1")).isEqualTo(Path.of("/x/sp-1"));
    assertThat(SnapshotExportCommand.localPath("file:///x/sp-1")).isEqualTo(Path.of("/x/sp-1"));
    assertThatThrownBy(() -> SnapshotExportCommand.localPath("hdfs://nn/sp-1"))
        .hasMessageContaining("only local savepoints");
  }

  @Test
  void activeSlotsPrintLikeTheTrainersDigestLines() {
    assertThat(SnapshotExportCommand.slots(List.of(List.of(0, 1, 4), List.of(2))))
        .isEqualTo("0,1,4|2");
  }

  @Test
  void modelIdIsTheNameAndModelStillWorksAsAHiddenAlias() {
    SnapshotExportCommand cmd = new SnapshotExportCommand();
    picocli.CommandLine cli = new picocli.CommandLine(cmd);
    cli.parseArgs("--savepoint", "sp", "--out", "o", "--model-id", "a", "--model", "b");
    assertThat(cmd.models).containsExactly("a");
    assertThat(cmd.legacyModels).containsExactly("b");
    assertThat(cli.getUsageMessage()).contains("--model-id=ID").doesNotContain("--model=");
  }
}
