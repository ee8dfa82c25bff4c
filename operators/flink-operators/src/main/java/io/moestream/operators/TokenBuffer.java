package io.moestream.operators;

import java.util.Arrays;

/**
 * A model's tokens received but not yet trained on. Windows of {@code ctx + 1} tokens are cut in
 * arrival order, without overlap, exactly as {@code TextCorpus} does for local training, so the
 * same token stream trains the same model in the job and locally.
 */
final class TokenBuffer {
  private int[] tokens;
  private int size;

  TokenBuffer(int[] restored) {
    this.tokens =
        restored == null ? new int[1024] : Arrays.copyOf(restored, Math.max(16, restored.length));
    this.size = restored == null ? 0 : restored.length;
  }

  void append(int[] more) {
    if (size + more.length > tokens.length) {
      tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, size + more.length));
    }
    System.arraycopy(more, 0, tokens, size, more.length);
    size += more.length;
  }

  boolean hasBatch(int batch, int window) {
    return size >= batch * window;
  }

  /** Removes and returns the next batch: (batch, window) token ids. */
  int[][] takeBatch(int batch, int window) {
    int[][] out = new int[batch][window];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(tokens, b * window, out[b], 0, window);
    }
    int used = batch * window;
    System.arraycopy(tokens, used, tokens, 0, size - used);
    size -= used;
    return out;
  }

  /** The pending tokens, for keyed state. */
  int[] snapshot() {
    return Arrays.copyOf(tokens, size);
  }

  int size() {
    return size;
  }
}
