package io.moestream.jobs.doctor;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.tensor.Bf16Kernels;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe doctor}: the engine this machine loads and whether every device computes what the CPU
 * computes. Prints the engine facts ({@link EngineInfo}), then one line per check ({@link
 * DeviceChecks}) on the CPU and each GPU, each GPU's losses compared with the CPU's, and a verdict.
 * Exit 0 when all pass; 1 otherwise, with one {@code error:} line saying what to do.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Show the engine (DJL, libtorch, flavor, threads, GPUs) and check every device: a short"
          + " training run of the default model and a DynMoE conformance case, each GPU against"
          + " the CPU.",
      "Exit 0: all checks pass; 1: a check failed or a GPU disagrees with the CPU."
    })
public final class DoctorCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "3",
      description = "Training steps per device, from the same seed (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--tolerance",
      paramLabel = "REL",
      defaultValue = "1e-4",
      description =
          "Largest per-step loss difference of a GPU from the CPU, relative to max(1, |cpu"
              + " loss|) (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(
      names = "--json",
      description = "Print one JSON object instead of text (default: ${DEFAULT-VALUE}).")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
    }
    if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
      throw new IllegalArgumentException("--tolerance must be a finite number >= 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    EngineInfo engine = EngineInfo.probe();
    if (!json) {
      printEngine(out, engine);
    }
    ModelConfig model = defaults(new ModelOptions()).toConfig();
    TrainOptions trainFlags = defaults(new TrainOptions());
    TrainConfig train = trainFlags.toConfig(model);
    int batch = trainFlags.batch();

    List<CheckLine> lines = new ArrayList<>();
    DeviceChecks.TrainRun cpu = DeviceChecks.train(Device.cpu(), model, train, batch, steps);
    report(out, lines, cpu.line());
    report(out, lines, DeviceChecks.conformance(Device.cpu()));
    for (EngineInfo.Gpu g : engine.gpus()) {
      Device gpu = Device.gpu(g.index());
      DeviceChecks.TrainRun run = DeviceChecks.train(gpu, model, train, batch, steps);
      report(out, lines, run.line());
      if (run.losses() != null && cpu.losses() != null) {
        report(
            out,
            lines,
            DoctorVerdict.compareLosses(g.device(), cpu.losses(), run.losses(), tolerance));
      }
      report(out, lines, DeviceChecks.conformance(gpu));
    }
    int present = NvidiaDevices.count();
    if (present > engine.gpus().size()) {
      // A CPU libtorch, a flavor without "cu" or a cudart JNA cannot find: every check above
      // passes on the CPU while the machine's GPUs sit idle; that is what the doctor is for.
      report(out, lines, DoctorVerdict.unseenGpus(present, engine.gpus().size(), engine.flavor()));
    }
    DoctorVerdict verdict =
        DoctorVerdict.of(
            lines,
            engine.libtorchVersion(),
            engine.flavor(),
            engine.gpus().size(),
            engine.ownLibtorch());
    if (json) {
      out.println(JSON.writeValueAsString(toJson(engine, lines, verdict)));
    } else {
      out.println(verdict.summary());
    }
    out.flush();
    if (verdict.whatToDo() != null) {
      spec.commandLine().getErr().println("error: " + verdict.whatToDo());
      spec.commandLine().getErr().flush();
    }
    return verdict.exit();
  }

  /**
   * The options' defaults as the command line declares them: the doctor checks the default model.
   */
  private static <T> T defaults(T options) {
    return CommandLine.populateCommand(options);
  }

  private void report(PrintWriter out, List<CheckLine> lines, CheckLine line) {
    lines.add(line);
    if (!json) {
      out.println(line.format()); // as each check ends: a GPU check can take a while to fail
      out.flush();
    }
  }

  private static void printEngine(PrintWriter out, EngineInfo e) {
    out.printf(
        Locale.ROOT,
        "engine:      %s (DJL %s), flavor %s%n",
        e.engine(),
        e.djlVersion(),
        e.flavor());
    out.printf(Locale.ROOT, "libtorch:    %s%n", e.libtorchDir());
    if (e.loaded().isEmpty()) {
      out.println("loaded:      (this system does not list mapped libraries)");
    }
    for (String lib : e.loaded()) {
      out.printf(Locale.ROOT, "loaded:      %s%n", lib);
    }
    StringBuilder env = new StringBuilder();
    for (Map.Entry<String, String> v : e.environment().entrySet()) {
      env.append(env.length() == 0 ? "" : " ").append(v.getKey()).append('=').append(v.getValue());
    }
    out.printf(Locale.ROOT, "environment: %s%n", env);
    out.printf(Locale.ROOT, "cache dir:   %s%n", e.cacheDir());
    out.printf(
        Locale.ROOT,
        "threads:     intra-op %d, inter-op %d%n",
        e.intraOpThreads(),
        e.interOpThreads());
    out.printf(Locale.ROOT, "malloc:      %s%n", e.malloc().describe());
    out.printf(Locale.ROOT, "cuda:        %s%n", e.cuda());
    // what --precision bf16 would run: the stock JNI cannot make a bfloat16 tensor
    out.printf(Locale.ROOT, "bf16:        %s%n", Bf16Kernels.status().describe());
    out.printf(Locale.ROOT, "gpus:        %d%n", e.gpus().size());
    for (EngineInfo.Gpu g : e.gpus()) {
      out.printf(
          Locale.ROOT,
          "  %s: compute capability %s, %s%n",
          g.device(),
          g.computeCapability(),
          g.memoryMb() < 0 ? "memory unknown" : g.memoryMb() + " MiB");
    }
    out.flush();
  }

  private static ObjectNode toJson(EngineInfo e, List<CheckLine> lines, DoctorVerdict v) {
    ObjectNode o = JSON.createObjectNode();
    o.put("command", "doctor");
    ObjectNode engine = o.putObject("engine");
    engine.put("djl", e.djlVersion());
    engine.put("engine", e.engine());
    engine.put("flavor", e.flavor());
    engine.put("libtorch_dir", e.libtorchDir());
    ArrayNode loaded = engine.putArray("loaded");
    e.loaded().forEach(loaded::add);
    ObjectNode env = engine.putObject("environment");
    e.environment().forEach(env::put);
    engine.put("cache_dir", e.cacheDir());
    engine.put("intra_op_threads", e.intraOpThreads());
    engine.put("inter_op_threads", e.interOpThreads());
    ObjectNode malloc = engine.putObject("malloc");
    malloc.put("allocator", e.malloc().name());
    malloc.put("library", e.malloc().library());
    ObjectNode settings = malloc.putObject("settings");
    e.malloc().settings().forEach(settings::put);
    engine.put("cuda", e.cuda());
    engine.put("bf16_kernels", Bf16Kernels.status().kind());
    engine.put("bf16_detail", Bf16Kernels.status().describe());
    ArrayNode gpus = o.putArray("gpus");
    for (EngineInfo.Gpu g : e.gpus()) {
      ObjectNode n = gpus.addObject();
      n.put("device", g.device());
      n.put("compute_capability", g.computeCapability());
      n.put("memory_mib", g.memoryMb());
    }
    ArrayNode checks = o.putArray("checks");
    for (CheckLine l : lines) {
      ObjectNode n = checks.addObject();
      n.put("device", l.device());
      n.put("check", l.check());
      n.put("ok", l.ok());
      n.put("detail", l.detail());
    }
    o.put("passed", v.exit() == 0);
    o.put("verdict", v.summary());
    if (v.whatToDo() != null) {
      o.put("what_to_do", v.whatToDo());
    }
    return o;
  }
}
