package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.serve.UpcycleSource;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.schemas.TokenSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --init-from} in the trainer operator, on RocksDB: a model without state starts
 * upcycled from the export; a model restored from a checkpoint keeps its trained state and goes on
 * exactly as the undisturbed operator does — never upcycled again, which would throw its training
 * away — while a model id first seen after the restore starts upcycled; weights that changed since
 * the job was built fail the job once, without restarts.
 */
class MoeTrainerOperatorUpcycleTest {
  @TempDir static Path tmp;
  static Path export;
  static InitFrom init;

  /** A dense model of the harness's shape, trained a few steps and exported. */
  @BeforeAll
  static void exportDense() throws Exception {
    TrainerSettings base = TrainerHarness.settings();
    ModelConfig dense = base.model().withRouter(RouterConfig.dense());
    export = tmp.resolve("dense");
    try (MoeTrainer t = MoeTrainer.create(dense, TrainConfig.defaults(4))) {
      List<TokenSequence> rs = TrainerHarness.records("d", 8, 21);
      for (int i = 0; i + 1 < rs.size(); i += 2) {
        t.train(new int[][] {window(rs.get(i)), window(rs.get(i + 1))});
      }
      Manifest m = ModelExport.write(t, "dense", export, "test", -1, false, Instant.now());
      init = new InitFrom(export.toString(), m.files().get(ModelExport.TENSORS).sha256(), "dense");
    }
  }

  /** A record's 7 tokens padded to one ctx + 1 window by repeating them. */
  private static int[] window(TokenSequence r) {
    int[] w = new int[9];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.getTokens().get(i % r.getTokens().size());
    }
    return w;
  }

  private static TrainerSettings upcycled() {
    return TrainerHarness.settings().withInitFrom(init);
  }

  /** The model a fresh start builds: upcycled from the export with the job's settings. */
  private static String upcycledDigest() throws Exception {
    TrainerSettings s = upcycled();
    try (MoeTrainer t = UpcycleSource.trainer(s.model(), s.train(), export, null)) {
      return t.digest();
    }
  }

  @Test
  void aModelWithoutStateStartsUpcycled() throws Exception {
    MoeTrainerOperator op = new MoeTrainerOperator(upcycled());
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      // 7 tokens: the model is built, no batch (18 tokens) is full yet
      h.processElement(new StreamRecord<>(TrainerHarness.records("m1", 1, 1).get(0)));
      assertThat(op.model("m1").step()).isZero();
      assertThat(op.model("m1").digest()).isEqualTo(upcycledDigest());
      try (MoeTrainer scratch =
          MoeTrainer.create(TrainerHarness.settings().model(), TrainerHarness.settings().train())) {
        assertThat(op.model("m1").digest()).isNotEqualTo(scratch.digest());
      }
    }
  }

  @Test
  void aRestoredModelKeepsItsTrainingAndANewOneStartsUpcycled() throws Exception {
    List<TokenSequence> before = TrainerHarness.records("m1", 10, 1);
    TokenSequence after = TrainerHarness.records("m1", 12, 1).get(11);
    OperatorSubtaskState snapshot;
    long trainedSteps;
    String undisturbed;
    MoeTrainerOperator op = new MoeTrainerOperator(upcycled());
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (TokenSequence r : before) {
        h.processElement(new StreamRecord<>(r));
      }
      trainedSteps = op.model("m1").step();
      assertThat(trainedSteps).as("the model trained before the checkpoint").isGreaterThan(1);
      snapshot = TrainerHarness.checkpoint(h, 1);
      h.processElement(new StreamRecord<>(after));
      undisturbed = op.model("m1").digest();
    }

    MoeTrainerOperator restored = new MoeTrainerOperator(upcycled());
    try (var h = TrainerHarness.harness(restored)) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(new StreamRecord<>(after));
      assertThat(restored.model("m1").step())
          .as("restored at its trained step, not upcycled again at 0")
          .isGreaterThanOrEqualTo(trainedSteps);
      assertThat(restored.model("m1").digest())
          .as("the restored model goes on exactly as the undisturbed one")
          .isEqualTo(undisturbed);
      h.processElement(new StreamRecord<>(TrainerHarness.records("m2", 1, 2).get(0)));
      assertThat(restored.model("m2").digest())
          .as("a model id first seen after the restore starts upcycled")
          .isEqualTo(upcycledDigest());
    }
  }

  @Test
  void weightsExportedAgainSinceTheJobWasBuiltFailTheJobWithoutRestarts() throws Exception {
    Path copy = Files.createDirectories(tmp.resolve("changed"));
    try (var files = Files.list(export)) {
      for (Path p : files.toList()) {
        Files.copy(p, copy.resolve(p.getFileName()));
      }
    }
    InitFrom stale = new InitFrom(copy.toString(), "0".repeat(64), "stale");
    MoeTrainerOperator op = new MoeTrainerOperator(TrainerHarness.settings().withInitFrom(stale));
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      assertThatThrownBy(
              () -> h.processElement(new StreamRecord<>(TrainerHarness.records("m1", 1, 1).get(0))))
          .isInstanceOf(SuppressRestartsException.class)
          .cause()
          .hasMessageStartingWith("--init-from " + copy + ": ")
          .hasMessageContaining("exported again");
    }
  }
}
