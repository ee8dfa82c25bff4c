package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.tensor.DeviceReads;

/**
 * A routing's (T, E) 0/1 selections on the host, scanned once per layer and step: which experts
 * each token went to, how many tokens each expert took and how many experts each token took. The
 * expert dispatch, the step's statistics and the routing records all read this one scan.
 */
public final class SelectedExperts {
  private final float[] selected;
  private final int tokens;
  private final int slots;
  private final int[] perExpert;
  private final int[] perToken;
  private final int pairs;
  private final float[] fellBack;

  private SelectedExperts(float[] selected, int tokens, int slots, float[] fellBack) {
    if (fellBack != null && fellBack.length != tokens) {
      throw new IllegalStateException(
          fellBack.length + " fallback flags for " + tokens + " tokens");
    }
    this.fellBack = fellBack;
    if (selected.length != tokens * slots) {
      throw new IllegalStateException(
          selected.length + " selections for " + tokens + " tokens × " + slots + " slots");
    }
    this.selected = selected;
    this.tokens = tokens;
    this.slots = slots;
    this.perExpert = new int[slots];
    this.perToken = new int[tokens];
    int total = 0;
    for (int i = 0; i < tokens; i++) {
      for (int j = 0; j < slots; j++) {
        if (selected[i * slots + j] > 0) {
          perExpert[j]++;
          perToken[i]++;
          total++;
        }
      }
    }
    this.pairs = total;
  }

  /**
   * @param selected host copy of the (T, E) 0/1 selections, row-major (kept, not copied: the caller
   *     hands it over)
   */
  public static SelectedExperts scan(float[] selected, int tokens, int slots) {
    return new SelectedExperts(selected, tokens, slots, null);
  }

  /**
   * As {@link #scan(float[], int, int)}, for a routing with a training fallback.
   *
   * @param fellBack host copy of the (T,) 0/1 {@link Routing#fellBack()} flags, or null: a token
   *     that fell back runs its one expert but counts as unrouted
   */
  public static SelectedExperts scan(float[] selected, int tokens, int slots, float[] fellBack) {
    return new SelectedExperts(selected, tokens, slots, fellBack);
  }

  /**
   * Reads (T, E) selections and the optional (T,) fallback flags to the host in one transfer and
   * scans them.
   */
  public static SelectedExperts read(NDArray selected, NDArray fellBack) {
    int t = (int) selected.getShape().get(0);
    int e = (int) selected.getShape().get(1);
    float[][] host = DeviceReads.floats(selected, fellBack);
    return new SelectedExperts(host[0], t, e, host[1]);
  }

  /** Tokens the router sent somewhere on its own (k > 0, not a fallback), ascending. */
  public long[] routedTokens() {
    int n = 0;
    for (int i = 0; i < tokens; i++) {
      n += isUnrouted(i) ? 0 : 1;
    }
    long[] out = new long[n];
    int next = 0;
    for (int i = 0; i < tokens; i++) {
      if (!isUnrouted(i)) {
        out[next++] = i;
      }
    }
    return out;
  }

  /**
   * Whether the router sent token {@code token} nowhere: k = 0, or only a fallback expert runs it.
   */
  public boolean isUnrouted(int token) {
    return perToken[token] == 0 || (fellBack != null && fellBack[token] > 0);
  }

  public int tokens() {
    return tokens;
  }

  public int slots() {
    return slots;
  }

  /** Whether token {@code token} went to expert slot {@code slot}. */
  public boolean isSelected(int token, int slot) {
    return selected[token * slots + slot] > 0;
  }

  /** Tokens expert slot {@code slot} took. */
  public int tokensOf(int slot) {
    return perExpert[slot];
  }

  /** Experts token {@code token} went to (its k). */
  public int expertsOf(int token) {
    return perToken[token];
  }

  /** (token, expert) pairs: Σ k over tokens. */
  public int pairs() {
    return pairs;
  }

  /** Tokens the router sent nowhere ({@link #isUnrouted}), in ascending order. */
  public long[] unroutedTokens() {
    int n = 0;
    for (int i = 0; i < tokens; i++) {
      n += isUnrouted(i) ? 1 : 0;
    }
    long[] out = new long[n];
    int next = 0;
    for (int i = 0; i < tokens; i++) {
      if (isUnrouted(i)) {
        out[next++] = i;
      }
    }
    return out;
  }
}
