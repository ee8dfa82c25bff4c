package io.moestream.jobs.stream;

import io.moestream.jobs.process.Rss;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * One reading of this process's memory. {@code nativeMb} is what the JVM does not account for:
 * resident memory minus the committed heap, the committed non-heap (metaspace, code cache) and
 * direct buffers — libtorch's tensors, RocksDB's caches and glibc's arenas, where a leak of
 * per-step tensors would show.
 *
 * @param seconds since the soak began
 * @param rounds passes over the corpus produced so far
 * @param step the model's training step in its latest summary (0 before the first)
 * @param experts its active experts, summed over layers (the model's size in memory)
 * @param avgK its average experts per token, mean over layers (the size of a step's activations)
 * @param injected hostile records injected so far
 * @param deadLetters dead letters committed on the dead-letter topic so far
 * @param restarts the job's restarts so far (-1: not reported yet)
 */
record MemorySample(
    long seconds,
    double rssMb,
    double heapUsedMb,
    double heapCommittedMb,
    double nonHeapCommittedMb,
    double directMb,
    double nativeMb,
    double brokerRssMb,
    long rounds,
    long step,
    int experts,
    double avgK,
    long injected,
    long deadLetters,
    long restarts) {

  /** A reading now, with the soak's counts of the same moment. */
  static MemorySample now(
      long seconds,
      long brokerPid,
      long rounds,
      io.moestream.schemas.TrainingSummary latest,
      long injected,
      long deadLetters,
      long restarts) {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    double direct = 0;
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      direct += b.getMemoryUsed();
    }
    double rss = Rss.megabytes();
    double heap = m.getHeapMemoryUsage().getCommitted() / MB;
    double nonHeap = m.getNonHeapMemoryUsage().getCommitted() / MB;
    return new MemorySample(
        seconds,
        rss,
        m.getHeapMemoryUsage().getUsed() / MB,
        heap,
        nonHeap,
        direct / MB,
        rss - heap - nonHeap - direct / MB,
        Rss.megabytesOf(brokerPid),
        rounds,
        latest == null ? 0 : latest.getStep(),
        latest == null ? 0 : latest.getActiveExperts().stream().mapToInt(Integer::intValue).sum(),
        latest == null
            ? Double.NaN
            : latest.getAvgK().stream().mapToDouble(Double::doubleValue).average().orElse(0),
        injected,
        deadLetters,
        restarts);
  }

  private static final double MB = 1024.0 * 1024.0;

  static final String HEADER =
      "seconds,rss_mb,heap_used_mb,heap_committed_mb,nonheap_committed_mb,direct_mb,native_mb,"
          + "broker_rss_mb,corpus_rounds,step,active_experts,avg_k,injected,dead_letters,restarts";

  String csv() {
    return String.format(
        Locale.ROOT,
        "%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,%d,%.2f,%d,%d,%d",
        seconds,
        rssMb,
        heapUsedMb,
        heapCommittedMb,
        nonHeapCommittedMb,
        directMb,
        nativeMb,
        brokerRssMb,
        rounds,
        step,
        experts,
        avgK,
        injected,
        deadLetters,
        restarts);
  }

  String line() {
    return String.format(
        Locale.ROOT,
        "soak %5d s  rss %.0f MB  native %.0f MB  heap %.0f/%.0f MB  broker %.0f MB  rounds %d"
            + "  step %d  experts %d  k %.2f  hostile %d  dead letters %d  restarts %d",
        seconds,
        rssMb,
        nativeMb,
        heapUsedMb,
        heapCommittedMb,
        brokerRssMb,
        rounds,
        step,
        experts,
        avgK,
        injected,
        deadLetters,
        restarts);
  }

  /** The samples of one soak, and growth from the first sample after warm-up to the end. */
  static final class Series {
    private final long warmupSeconds;
    private final List<MemorySample> samples = new ArrayList<>();

    Series(long warmupSeconds) {
      this.warmupSeconds = warmupSeconds;
    }

    void add(MemorySample s) {
      samples.add(s);
    }

    /** Growth in percent of {@code field} from the baseline to the mean of the last 3 samples. */
    double growthPercent(java.util.function.ToDoubleFunction<MemorySample> field) {
      MemorySample base =
          samples.stream().filter(s -> s.seconds() >= warmupSeconds).findFirst().orElse(null);
      if (base == null || samples.size() < 2) {
        return Double.NaN;
      }
      List<MemorySample> tail = samples.subList(Math.max(0, samples.size() - 3), samples.size());
      double end = tail.stream().mapToDouble(field).average().orElse(Double.NaN);
      return 100.0 * (end - field.applyAsDouble(base)) / field.applyAsDouble(base);
    }

    String verdict() {
      double rss = growthPercent(MemorySample::rssMb);
      double nat = growthPercent(MemorySample::nativeMb);
      return String.format(
          Locale.ROOT,
          "soak verdict: after %d s of warm-up, resident memory grew %.1f%% and native memory"
              + " %.1f%% (goal < 10%%: %s)",
          warmupSeconds,
          rss,
          nat,
          rss < 10 && nat < 10 ? "met" : "NOT met");
    }

    void writeCsv(Path file) throws IOException {
      List<String> lines = new ArrayList<>();
      lines.add(HEADER);
      samples.forEach(s -> lines.add(s.csv()));
      Files.write(file, lines);
    }

    void plot(Path file) throws IOException {
      XYChart c =
          new XYChartBuilder()
              .width(1000)
              .height(520)
              .title("Soak: memory of the streaming job's process")
              .xAxisTitle("minutes")
              .yAxisTitle("MiB")
              .build();
      double[] x = samples.stream().mapToDouble(s -> s.seconds() / 60.0).toArray();
      c.addSeries("resident (RSS)", x, samples.stream().mapToDouble(MemorySample::rssMb).toArray());
      c.addSeries(
          "native (RSS - heap - non-heap - direct)",
          x,
          samples.stream().mapToDouble(MemorySample::nativeMb).toArray());
      c.addSeries(
          "heap committed",
          x,
          samples.stream().mapToDouble(MemorySample::heapCommittedMb).toArray());
      BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
