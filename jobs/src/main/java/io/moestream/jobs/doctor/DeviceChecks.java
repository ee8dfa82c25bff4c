package io.moestream.jobs.doctor;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.conformance.ConformanceReport;
import io.moestream.moe.conformance.DynMoeConformance;
import io.moestream.moe.conformance.FieldCheck;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.train.MoeTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The two checks the doctor runs on each device: a short training run of the default-size model
 * from a fixed seed (forward, backward and AdamW on real data, so the losses after the first step
 * depend on the backward pass) and one DynMoE conformance case at its own tolerances (the routing
 * maths in isolation, against the official code's numbers).
 */
final class DeviceChecks {
  /** The bundled conformance case: float32, the precision the trainer runs in. */
  static final String CASE = "basic-f32-deepspeed";

  private static final String CASE_RESOURCE = "/conformance/dynmoe/" + CASE + ".json";

  private DeviceChecks() {}

  /**
   * One device's training run.
   *
   * @param losses per-step prequential losses, or null when the run failed
   * @param line the check line: the losses, or what failed
   */
  record TrainRun(double[] losses, CheckLine line) {}

  static TrainRun train(Device device, ModelConfig model, TrainConfig train, int batch, int steps) {
    String name = device.toString();
    double[] losses = new double[steps];
    try (MoeTrainer trainer = MoeTrainer.create(model, train, device)) {
      TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(batch, model.ctx());
      for (int s = 0; s < steps; s++) {
        if (!cursor.hasNext()) {
          cursor = TextCorpus.bundled().cursor(batch, model.ctx()); // a long --steps cycles
        }
        losses[s] = trainer.train(cursor.next()).prequentialLoss();
      }
    } catch (RuntimeException | LinkageError e) {
      // LinkageError: a JNI built for another DJL or libtorch fails at its first native call
      return new TrainRun(null, CheckLine.fail(name, "train", CliErrors.describe(e)));
    }
    StringBuilder detail =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d steps of d=%d layers=%d ctx=%d batch=%d, losses",
                steps,
                model.dModel(),
                model.layers(),
                model.ctx(),
                batch));
    boolean finite = true;
    for (double l : losses) {
      detail.append(String.format(Locale.ROOT, " %.6f", l));
      finite &= Double.isFinite(l);
    }
    CheckLine line =
        finite
            ? CheckLine.ok(name, "train", detail.toString())
            : CheckLine.fail(name, "train", detail + " (not finite)");
    return new TrainRun(finite ? losses : null, line);
  }

  static CheckLine conformance(Device device) {
    String name = device.toString();
    try {
      ConformanceReport r = DynMoeConformance.check(CASE, bundledCase(), device);
      double worst = 0;
      int failed = 0;
      for (FieldCheck f : r.fields()) {
        if (Double.isFinite(f.maxAbsError())) {
          worst = Math.max(worst, f.maxAbsError());
        }
        failed += f.passed() ? 0 : 1;
      }
      String detail =
          String.format(
              Locale.ROOT,
              "%s: %d fields, %d outside the case's tolerance, max abs error %.2e",
              CASE,
              r.fields().size(),
              failed,
              worst);
      return r.passed()
          ? CheckLine.ok(name, "conformance", detail)
          : CheckLine.fail(name, "conformance", detail);
    } catch (RuntimeException | LinkageError e) {
      return CheckLine.fail(name, "conformance", CliErrors.describe(e));
    }
  }

  static JsonNode bundledCase() {
    try (InputStream in = DeviceChecks.class.getResourceAsStream(CASE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks its conformance case " + CASE_RESOURCE);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled case " + CASE_RESOURCE, e);
    }
  }
}
