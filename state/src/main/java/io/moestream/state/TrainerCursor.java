package io.moestream.state;

import io.moestream.schemas.TrainerCursorState;

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

  public TrainerCursorState toState() {
    return new TrainerCursorState(records, tokens, steps, summaries, tokenHash);
  }

  /** The hash of {@code previous} followed by {@code tokens} (polynomial, base 1_000_003). */
  public static long extend(long previous, int[] tokens) {
    long h = previous;
    for (int t : tokens) {
      h = h * 1_000_003L + t + 1;
    }
    return h;
  }

  /** The cursor in keyed state, or {@link #START} for a model that has none yet. */
  public static TrainerCursor fromState(TrainerCursorState s) {
    return s == null
        ? START
        : new TrainerCursor(
            s.getRecords(), s.getTokens(), s.getSteps(), s.getSummaries(), s.getTokenHash());
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
