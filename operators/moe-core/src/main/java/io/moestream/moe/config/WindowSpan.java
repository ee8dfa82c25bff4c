package io.moestream.moe.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position or length of a {@link RecordingWindow} as a user gives it: in optimizer steps (a bare
 * number, as before) or in tokens ({@code 25600tokens}), so a window can be sized by the evidence
 * it holds whatever the batch. Tokens are the tokens the MoE layers route, {@code batch × ctx} per
 * step — the unit of {@code windowTokens} in the registry events. The model's window stays in
 * steps: every step of a run routes the same number of tokens, so {@link #steps} converts once,
 * rounding up to whole steps.
 *
 * @param amount the number given, >= 0
 * @param tokens true when {@code amount} counts tokens, false when it counts steps
 */
public record WindowSpan(long amount, boolean tokens) {
  private static final Pattern FORM =
      Pattern.compile("([0-9]+)\\s*(|steps?|t|tokens?)", Pattern.CASE_INSENSITIVE);

  public WindowSpan {
    if (amount < 0) {
      throw new IllegalArgumentException("a window span must be >= 0, got " + amount);
    }
  }

  /** {@code steps} optimizer steps. */
  public static WindowSpan ofSteps(long steps) {
    return new WindowSpan(steps, false);
  }

  /**
   * Reads {@code N} or {@code Nsteps} (steps) and {@code Ntokens} or {@code Nt} (tokens), case
   * insensitive.
   */
  public static WindowSpan parse(String text) {
    Matcher m = FORM.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a window span: give N (steps), Nsteps or Ntokens, e.g. 25600tokens");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large a window span");
    }
    return new WindowSpan(n, m.group(2).toLowerCase(Locale.ROOT).startsWith("t"));
  }

  /** This span in steps of {@code tokensPerStep} routed tokens each, rounded up. */
  public long steps(long tokensPerStep) {
    if (!tokens) {
      return amount;
    }
    if (tokensPerStep < 1) {
      throw new IllegalArgumentException("tokens per step must be >= 1, got " + tokensPerStep);
    }
    return amount / tokensPerStep + (amount % tokensPerStep == 0 ? 0 : 1);
  }

  @Override
  public String toString() {
    return amount + (tokens ? "tokens" : "");
  }
}
