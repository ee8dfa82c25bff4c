package io.moestream.jobs.local;

import io.moestream.jobs.cli.Format;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-of-run report shared by {@code train-local} and {@code demo}: per-domain losses (the
 * drift picture), the expert set's changes, throughput and the parameter digest (the one number
 * that says two runs trained the same model).
 */
final class RunSummary {
  private RunSummary() {}

  /**
   * @param domains every domain the corpus plans, in order: one not reached still gets a row
   * @param switches every switch the corpus plans, for the spawns-near-switch lines
   * @param windowPeriod the recording period in steps
   */
  static void print(
      PrintWriter out,
      LocalTrainingLoop.Outcome o,
      String digest,
      List<String> domains,
      List<SwitchSpawns.Switch> switches,
      long windowPeriod) {
    out.println();
    out.printf(
        Locale.ROOT,
        "%-24s %8s %12s %14s %12s%n",
        "domain",
        "steps",
        "tokens",
        "mean loss",
        "last-20");
    Map<String, DomainStats> served = new HashMap<>();
    o.domains().forEach(d -> served.put(d.name(), d));
    for (String name : domains) {
      DomainStats d = served.get(name);
      if (d == null) {
        out.printf(Locale.ROOT, "%-24s %8s%n", name, "not reached");
        continue;
      }
      out.printf(
          Locale.ROOT,
          "%-24s %8d %12d %14s %12s%n",
          d.name(),
          d.steps(),
          d.tokens(),
          Format.fixed(d.meanLoss(), 4),
          Format.fixed(d.last20Loss(), 4));
    }
    out.println();
    out.printf(Locale.ROOT, "steps:            %d%n", o.steps());
    out.printf(Locale.ROOT, "tokens:           %d%n", o.tokens());
    out.printf(Locale.ROOT, "experts/layer:    %s%n", Format.ints(o.activeExperts(), " "));
    out.printf(Locale.ROOT, "spawns / prunes:  %d / %d%n", o.spawns(), o.prunes());
    SwitchSpawns.print(out, switches, o.spawned(), windowPeriod, o.steps());
    out.printf(Locale.ROOT, "throughput:       %s tok/s%n", Format.fixed(o.tokensPerSecond(), 0));
    out.printf(Locale.ROOT, "digest:           %s%n", digest);
    out.flush();
  }
}
