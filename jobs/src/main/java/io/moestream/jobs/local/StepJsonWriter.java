package io.moestream.jobs.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.train.StepResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one JSON object per step (JSON Lines), so a run can be plotted or compared afterwards
 * without scraping the console. Non-finite losses are written as {@code null}: JSON has no NaN.
 */
public final class StepJsonWriter implements LocalTrainingLoop.Listener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final BufferedWriter writer;

  StepJsonWriter(Path file) {
    this.file = file;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      // exit 1, not 2: the path may be right and the disk or its permissions wrong
      throw new UncheckedIOException("cannot write --json-out file " + file, e);
    }
  }

  @Override
  public void onStep(LocalTrainingLoop.StepRecord rec) {
    StepResult r = rec.result();
    ObjectNode o = JSON.createObjectNode();
    o.put("step", r.step());
    o.put("domain", rec.domain());
    putFinite(o, "loss", r.prequentialLoss());
    putFinite(o, "aux_loss", r.auxLoss());
    ArrayNode k = o.putArray("avg_k");
    for (double v : r.avgK()) {
      k.add(v);
    }
    ArrayNode active = o.putArray("active");
    for (int v : r.activeExperts()) {
      active.add(v);
    }
    o.put("tok_s", r.tokensPerSecond());
    o.put("changes", r.changes().size());
    try {
      writer.write(JSON.writeValueAsString(o));
      writer.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public static void putFinite(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field);
    }
  }

  @Override
  public void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
