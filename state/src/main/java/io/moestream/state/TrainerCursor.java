package io.moestream.state;

/**
 * Per-model counters kept in keyed state next to the model, so a restored job reports totals that
 * continue where the snapshot left off.
 *
 * @param records token records consumed
 * @param tokens tokens consumed
 * @param steps training steps taken
 * @param summaries summaries emitted
 */
public record TrainerCursor(long records, long tokens, long steps, long summaries) {
  public static final TrainerCursor START = new TrainerCursor(0, 0, 0, 0);

  public long[] toArray() {
    return new long[] {records, tokens, steps, summaries};
  }

  public static TrainerCursor fromArray(long[] a) {
    if (a == null) {
      return START;
    }
    if (a.length != 4) {
      throw new IllegalStateException("cursor state has " + a.length + " fields, expected 4");
    }
    return new TrainerCursor(a[0], a[1], a[2], a[3]);
  }

  public TrainerCursor consumed(int tokenCount) {
    return new TrainerCursor(records + 1, tokens + tokenCount, steps, summaries);
  }

  public TrainerCursor trained() {
    return new TrainerCursor(records, tokens, steps + 1, summaries);
  }

  public TrainerCursor summarised() {
    return new TrainerCursor(records, tokens, steps, summaries + 1);
  }
}
