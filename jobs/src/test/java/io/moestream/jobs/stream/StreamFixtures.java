package io.moestream.jobs.stream;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.RecordingWindow;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.TokenSequence;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A small drifting stream (English, then source code) and the settings the tests train with. */
final class StreamFixtures {
  private StreamFixtures() {}

  static TrainerSettings settings() {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 8));
    TrainConfig tc = TrainConfig.defaults(9).withWindow(new RecordingWindow(4, 4, 8));
    return new TrainerSettings(mc, tc, 4, 5);
  }

  /** Records of 66 tokens for {@code modelId}: {@code perDomain} tokens of English, then code. */
  static List<TokenSequence> drift(String modelId, int perDomain, int offsetInDomain) {
    List<TokenSequence> out = new ArrayList<>();
    long seq = 0;
    for (TextCorpus.Domain d : TextCorpus.bundled().domains().subList(0, 2)) {
      int[] all = d.tokens();
      for (int start = offsetInDomain; start < offsetInDomain + perDomain; start += 66) {
        int[] part = Arrays.copyOfRange(all, start, start + 66);
        List<Integer> tokens = new ArrayList<>();
        for (int t : part) {
          tokens.add(t);
        }
        out.add(
            TokenSequence.newBuilder()
                .setModelId(modelId)
                .setSequenceId(seq++)
                .setTokens(tokens)
                .setDomain(d.name())
                .setModality(null)
                .setEventTime(Instant.ofEpochMilli(1_000_000L + seq))
                .build());
      }
    }
    return out;
  }

  static byte[] bytes(TokenSequence s) {
    try {
      ByteBuffer b = s.toByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
