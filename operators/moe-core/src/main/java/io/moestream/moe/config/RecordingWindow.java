package io.moestream.moe.config;

/**
 * When routing records are collected (DESIGN §2.1), in optimizer steps.
 *
 * <p>Recording begins at step {@code start}, covers {@code length} steps, and repeats every {@code
 * period} steps. The lifecycle (prune, then spawn) runs after the optimizer step of the window's
 * last step — the official DeepSpeed schedule calls this {@code update_then_end_record} at step
 * {@code start + length}, before that step's forward pass; the two are the same point in time. The
 * official defaults are start 300, length 300, period 900.
 */
public record RecordingWindow(long start, long length, long period)
    implements java.io.Serializable {

  public RecordingWindow {
    if (start < 0 || length < 1 || period < length) {
      throw new IllegalArgumentException(
          "recording window needs start >= 0, length >= 1, period >= length; got start="
              + start
              + " length="
              + length
              + " period="
              + period);
    }
  }

  /**
   * A window given in steps or tokens ({@link WindowSpan}), in steps of {@code tokensPerStep}
   * routed tokens ({@code batch × ctx}); spans in tokens round up to whole steps.
   */
  public static RecordingWindow of(
      WindowSpan start, WindowSpan length, WindowSpan period, long tokensPerStep) {
    return new RecordingWindow(
        start.steps(tokensPerStep), length.steps(tokensPerStep), period.steps(tokensPerStep));
  }

  /** The official implementation's schedule. */
  public static RecordingWindow officialDefault() {
    return new RecordingWindow(300, 300, 900);
  }

  /** True when the training step {@code step} (0-based) contributes to the routing records. */
  public boolean isRecording(long step) {
    return step >= start && (step - start) % period < length;
  }

  /** True when {@code step} begins a window: the records are reset before it. */
  public boolean beginsAt(long step) {
    return step >= start && (step - start) % period == 0;
  }

  /** True when {@code step} is a window's last step: the lifecycle runs after its update. */
  public boolean endsAfter(long step) {
    return step >= start && (step - start) % period == length - 1;
  }
}
