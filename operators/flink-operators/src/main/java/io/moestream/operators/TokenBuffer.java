package io.moestream.operators;

import java.util.Arrays;

/**
 * A model's tokens received but not yet trained on, each with the modality of its record (the DTR
 * router's input; 0 for every other router). Windows of {@code ctx + 1} tokens are cut in arrival
 * order, without overlap, exactly as {@code TextCorpus} does for local training, so the same token
 * stream trains the same model in the job and locally.
 *
 * <p>A window can span two records; its modality is that of its first token (the record the window
 * starts in), the same rule the local trainer applies to a batch cut from one domain.
 */
final class TokenBuffer {
  private int[] tokens;
  private int[] modality;
  private int size;

  /** A batch: (batch, window) token ids and (batch,) row modalities. */
  record Batch(int[][] tokens, int[] rowModality) {}

  /**
   * @param restored pending tokens from keyed state, or null
   * @param restoredModality their modalities, or null (state written before modalities: all 0)
   */
  TokenBuffer(int[] restored, int[] restoredModality) {
    int n = restored == null ? 0 : restored.length;
    this.tokens = restored == null ? new int[1024] : Arrays.copyOf(restored, Math.max(16, n));
    this.modality = new int[tokens.length];
    if (restoredModality != null) {
      if (restoredModality.length != n) {
        throw new IllegalStateException(
            n + " pending tokens but " + restoredModality.length + " modalities in state");
      }
      System.arraycopy(restoredModality, 0, modality, 0, n);
    }
    this.size = n;
  }

  void append(int[] more, int recordModality) {
    if (size + more.length > tokens.length) {
      int capacity = Math.max(tokens.length * 2, size + more.length);
      tokens = Arrays.copyOf(tokens, capacity);
      modality = Arrays.copyOf(modality, capacity);
    }
    System.arraycopy(more, 0, tokens, size, more.length);
    Arrays.fill(modality, size, size + more.length, recordModality);
    size += more.length;
  }

  boolean hasBatch(int batch, int window) {
    return size >= batch * window;
  }

  /** Removes and returns the next batch. */
  Batch takeBatch(int batch, int window) {
    int[][] out = new int[batch][window];
    int[] rows = new int[batch];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(tokens, b * window, out[b], 0, window);
      rows[b] = modality[b * window];
    }
    int used = batch * window;
    System.arraycopy(tokens, used, tokens, 0, size - used);
    System.arraycopy(modality, used, modality, 0, size - used);
    size -= used;
    return new Batch(out, rows);
  }

  /** The pending tokens, for keyed state. */
  int[] snapshot() {
    return Arrays.copyOf(tokens, size);
  }

  /** The pending tokens' modalities, for keyed state. */
  int[] modalitySnapshot() {
    return Arrays.copyOf(modality, size);
  }

  int size() {
    return size;
  }
}
