package io.moestream.state;

/**
 * Per-model counters kept in keyed state next to the model, so a restored job reports totals that
 * continue where the snapshot left off.
 *
 * @param records token records consumed
 * @param tokens tokens consumed
 * @param steps training steps taken
 * @param summaries summaries emitted
 * @param tokenHash an order-sensitive hash of every token consumed: equal hashes mean the model saw
 *     exactly the same token stream (nothing skipped, nothing twice), whatever happened in between
 */
public record TrainerCursor(long records, long tokens, long steps, long summaries, long tokenHash) {
  public static final TrainerCursor START = new TrainerCursor(0, 0, 0, 0, 0);

  public long[] toArray() {
    return new long[] {records, tokens, steps, summaries, tokenHash};
  }

  /** The hash of {@code previous} followed by {@code tokens} (polynomial, base 1_000_003). */
  public static long extend(long previous, int[] tokens) {
    long h = previous;
    for (int t : tokens) {
      h = h * 1_000_003L + t + 1;
    }
    return h;
  }

  public static TrainerCursor fromArray(long[] a) {
    if (a == null) {
      return START;
    }
    if (a.length != 5) {
      throw new IllegalStateException("cursor state has " + a.length + " fields, expected 5");
    }
    return new TrainerCursor(a[0], a[1], a[2], a[3], a[4]);
  }

  public TrainerCursor consumed(int[] more) {
    return new TrainerCursor(
        records + 1, tokens + more.length, steps, summaries, extend(tokenHash, more));
  }

  public TrainerCursor trained() {
    return new TrainerCursor(records, tokens, steps + 1, summaries, tokenHash);
  }

  public TrainerCursor summarised() {
    return new TrainerCursor(records, tokens, steps, summaries + 1, tokenHash);
  }
}
