package io.moestream.jobs.local;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.jobs.cli.DeviceOptions;
import io.moestream.moe.conformance.ConformanceReport;
import io.moestream.moe.conformance.DynMoeConformance;
import io.moestream.moe.conformance.FieldCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks the DynMoE implementation against reference cases produced by the official code, on the
 * machine where it will run: the same jar, the same libtorch. The exit code separates "the maths
 * disagrees" (1) from "the case could not be read" (2), so CI can tell a regression from a broken
 * fixture.
 */
@Command(
    name = "reference-check",
    mixinStandardHelpOptions = true,
    description = {
      "Run DynMoE conformance cases; print one JSON report per case.",
      "Exit 0: all pass; 1: a field is out of tolerance; 2: a case cannot be read."
    })
public final class ReferenceCheckCommand implements Callable<Integer> {
  /** Exit code of a readable case whose numbers disagree with the implementation's. */
  static final int MISMATCH = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;
  @Mixin DeviceOptions device = new DeviceOptions();

  @Option(
      names = "--case",
      required = true,
      arity = "1..*",
      paramLabel = "FILE.json",
      description = "Conformance case files (default: none; at least one is required).")
  List<Path> cases;

  private record Loaded(String name, Path file, JsonNode json) {}

  @Override
  public Integer call() {
    List<Loaded> loaded = new ArrayList<>();
    for (Path file : cases) {
      loaded.add(load(file)); // read all first: a typo in the last path fails before any work
    }
    Device on = device.resolve();
    PrintWriter out = spec.commandLine().getOut();
    boolean allPassed = true;
    for (Loaded c : loaded) {
      ConformanceReport report;
      try {
        report = DynMoeConformance.check(c.name(), c.json(), on);
      } catch (NullPointerException e) {
        throw new IllegalArgumentException(
            "case "
                + c.file()
                + " lacks a required field ("
                + CliErrors.oneLine(e.getMessage())
                + ")",
            e);
      } catch (EngineException e) {
        throw e; // libtorch failed to load or run: the machine's fault, not the case's (exit 1)
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "case " + c.file() + " is not a valid conformance case: " + CliErrors.describe(e), e);
      }
      out.println(toJson(report, on));
      out.flush();
      allPassed &= report.passed();
    }
    return allPassed ? 0 : MISMATCH;
  }

  private static Loaded load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("case file not found: " + file);
    }
    JsonNode json;
    try {
      json = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          "case "
              + file
              + " is not valid JSON: "
              + CliErrors.oneLine(e.getOriginalMessage())
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"),
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read case " + file + ": " + CliErrors.oneLine(e.getMessage()), e);
    }
    if (json == null || !json.isObject() || !json.has("meta") || !json.has("inputs")) {
      throw new IllegalArgumentException(
          "case " + file + " is not a conformance case (needs top-level \"meta\" and \"inputs\")");
    }
    String name = file.getFileName().toString().replaceFirst("\\.json$", "");
    return new Loaded(name, file, json);
  }

  static String toJson(ConformanceReport report, Device on) {
    ObjectNode o = JSON.createObjectNode();
    o.put("case", report.caseName());
    o.put("device", on.toString());
    o.put("dtype", report.dtype());
    o.put("aux_variant", report.auxVariant());
    o.put("passed", report.passed());
    ArrayNode fields = o.putArray("fields");
    for (FieldCheck f : report.fields()) {
      ObjectNode n = fields.addObject();
      n.put("field", f.field());
      StepJsonWriter.putFinite(n, "max_abs_error", f.maxAbsError());
      StepJsonWriter.putFinite(n, "worst_excess", f.worstExcess());
      n.put("exact", f.exact());
      n.put("passed", f.passed());
      n.put("note", f.note() == null ? "" : f.note());
    }
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise report of " + report.caseName(), e);
    }
  }
}
