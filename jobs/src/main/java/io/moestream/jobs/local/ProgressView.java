package io.moestream.jobs.local;

import io.moestream.jobs.cli.Format;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.StepResult;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What a person watching a local run sees: a progress bar on stderr whose message carries the
 * numbers that tell whether the model is healthy (throughput, recent prequential loss, experts per
 * token and per layer, current domain), and on stdout one line per lifecycle change and per domain
 * switch, printed as it happens so drift and the expert set's reaction line up in time.
 */
final class ProgressView implements LocalTrainingLoop.Listener, AutoCloseable {
  private final PrintWriter out;
  private final ProgressBar bar;
  private final boolean interactive = System.console() != null;
  private final long started = System.nanoTime();
  private long tokens;

  /**
   * @param out where lifecycle and domain lines go
   * @param showBar false for no bar (scripts, tests)
   * @param task the bar's label
   * @param max the bar's 100 %, in steps
   */
  ProgressView(PrintWriter out, boolean showBar, String task, long max) {
    this.out = out;
    this.bar =
        showBar
            ? new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(
                    interactive ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(interactive ? 250 : 5000)
                .setConsumer(
                    interactive
                        ? new ConsoleProgressBarConsumer(System.err)
                        : new ConsoleProgressBarConsumer(System.err, 160))
                .build()
            : null;
  }

  @Override
  public void onStep(LocalTrainingLoop.StepRecord rec) {
    StepResult r = rec.result();
    tokens += r.tokens();
    if (rec.domainStart()) {
      line("[step " + r.step() + "] domain -> " + rec.domain());
    }
    if (bar != null) {
      double seconds = (System.nanoTime() - started) / 1e9;
      bar.step();
      bar.setExtraMessage(
          String.format(
              Locale.ROOT,
              "%.0f tok/s, loss %.3f, k %s, E %s, %s",
              seconds > 0 ? tokens / seconds : 0,
              rec.recentLoss(),
              Format.doubles(r.avgK(), "/", 1),
              Format.ints(r.activeExperts(), "/"),
              rec.domain()));
    }
  }

  @Override
  public void onChange(ExpertChange change) {
    line("[step " + change.step() + "] " + change);
  }

  private void line(String text) {
    if (bar != null && interactive) {
      // Wipe the half-drawn bar so the event starts at column 0; the bar redraws below it.
      System.err.print("\r\033[2K");
      System.err.flush();
    }
    out.println(text);
    out.flush();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
