package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot export} on input that is not a usable savepoint: each case ends with one {@code
 * error:} line that says what is wrong, exit code 2, and no stack trace. The savepoints of "another
 * job" is written with the State Processor API. (Damaged model entries inside a savepoint are
 * refused by {@code TrainerSnapshots}, tested in moe-core; the command adds the model id.)
 */
class SnapshotExportErrorsITCase {
  @TempDir Path tmp;

  @Test
  void aMissingPathOrADirectoryThatIsNoSavepointIsRefused() throws Exception {
    assertError(export(tmp.resolve("nowhere")), "no savepoint or checkpoint at");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertError(export(empty), "is not a Flink savepoint or checkpoint (no _metadata file)");
    Path garbage = Files.createDirectories(tmp.resolve("garbage"));
    Files.writeString(garbage.resolve("_metadata"), "not a savepoint");
    assertError(export(garbage), "is not a readable Flink savepoint or checkpoint");
    assertError(
        CliRun.of("snapshot", "export", "--savepoint", "s3://bucket/sp-1", "--out", "x"),
        "only local savepoints can be exported");
  }

  @Test
  void aSavepointOfAnotherJobIsRefused() throws Exception {
    Path other = tmp.resolve("other");
    write(other, "some-other-operator", new OtherState());
    assertError(
        export(other), "holds no state of the operator 'moe-trainer': a savepoint of another job?");
  }

  private CliRun export(Path savepoint) {
    return CliRun.of(
        "snapshot",
        "export",
        "--savepoint",
        savepoint.toString(),
        "--out",
        tmp.resolve("out").toString());
  }

  private static void assertError(CliRun r, String message) {
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains(message).doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  /** A keyed savepoint with one operator, written without running any job. */
  private static void write(Path path, String uid, OtherState function) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    // Streaming mode: in BATCH mode keyed operators use a state backend that keeps no state.
    env.setParallelism(1);
    var transformation =
        OperatorTransformation.bootstrapWith(env.fromData("m1"))
            .keyBy(s -> s, Types.STRING)
            .transform(function);
    SavepointWriter.newSavepoint(env, new EmbeddedRocksDBStateBackend(), 128)
        .withOperator(OperatorIdentifier.forUid(uid), transformation)
        .write(path.toUri().toString());
    env.execute("write savepoint");
  }

  /** State of some other job: a counter per key. */
  static final class OtherState extends KeyedStateBootstrapFunction<String, String> {
    private transient ValueState<Long> count;

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(String value, Context ctx) throws Exception {
      count.update(1L);
    }
  }
}
