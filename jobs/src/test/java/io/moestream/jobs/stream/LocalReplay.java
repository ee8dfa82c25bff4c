package io.moestream.jobs.stream;

import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.TokenSequence;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference for exactly-once training: the same records of one model, batched the same way
 * (windows of ctx + 1 tokens in arrival order), trained by a plain local {@link MoeTrainer}.
 */
record LocalReplay(String digest, long steps, List<ExpertChange> changes, boolean[][] active) {

  static LocalReplay of(TrainerSettings st, List<TokenSequence> records) {
    // Bit-exactness holds for one configuration, and libtorch's intra-op thread count is part of
    // it (reductions split by thread count): use the job's per-subtask setting in this thread too.
    if (st.intraOpThreads() > 0) {
      ai.djl.engine.Engine.getInstance();
      ai.djl.pytorch.jni.JniUtils.setNumThreads(st.intraOpThreads());
    }
    List<Integer> stream = new ArrayList<>();
    for (TokenSequence r : records) {
      stream.addAll(r.getTokens());
    }
    int window = st.model().ctx() + 1;
    int perStep = st.batchSize() * window;
    List<ExpertChange> changes = new ArrayList<>();
    try (MoeTrainer t = MoeTrainer.create(st.model(), st.train())) {
      for (int start = 0; start + perStep <= stream.size(); start += perStep) {
        int[][] batch = new int[st.batchSize()][window];
        for (int b = 0; b < batch.length; b++) {
          for (int j = 0; j < window; j++) {
            batch[b][j] = stream.get(start + b * window + j);
          }
        }
        changes.addAll(t.train(batch).changes());
      }
      return new LocalReplay(t.digest(), t.step(), changes, t.activeSlots());
    }
  }
}
