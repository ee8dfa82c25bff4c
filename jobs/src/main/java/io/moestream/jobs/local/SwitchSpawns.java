package io.moestream.jobs.local;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The drift story in one line per domain switch: which experts were spawned soon after it, and how
 * many spawns that window would hold if the run's spawns were spread evenly over its steps. DynMoE
 * can only spawn at the end of a recording window, so "soon" is two recording periods: the first
 * window that sees the new domain may have started before the switch, the second sees only it.
 *
 * <p>Both demos print these lines, from what each can see: {@code demo --local} from the trainer's
 * own changes, the streaming demo from the registry events' steps. Steps are the 0-based optimizer
 * step numbers both report (a change's step is the step after which it was applied; a switch's is
 * the first step trained on the new domain).
 */
public final class SwitchSpawns {
  /** A switch of the stream from domain {@code from} to {@code to} at step {@code step}. */
  public record Switch(String from, String to, long step) {}

  /** A spawn of slot {@code slot} in layer {@code layer}, applied after step {@code step}. */
  public record Spawn(long step, int layer, int slot) {}

  private SwitchSpawns() {}

  /**
   * {@link #lines} under a heading that says what "by chance" means, indented as a block; nothing
   * when the corpus has one domain.
   */
  public static void print(
      PrintWriter out,
      List<Switch> switches,
      List<Spawn> spawns,
      long windowPeriod,
      long stepsTrained) {
    if (switches.isEmpty()) {
      return; // one domain: nothing switches, and an empty block would only puzzle
    }
    out.println("spawns near each domain switch (by chance: the run's spawns spread evenly):");
    for (String line : lines(switches, spawns, windowPeriod, stepsTrained)) {
      out.println("  " + line);
    }
  }

  /**
   * One line per switch, in order.
   *
   * @param switches every switch the corpus plans, reached or not
   * @param spawns every spawn of the run, in any order
   * @param windowPeriod the recording period in steps; a switch's spawns are those within two
   * @param stepsTrained steps the run trained; switches at or after it print "not reached"
   */
  public static List<String> lines(
      List<Switch> switches, List<Spawn> spawns, long windowPeriod, long stepsTrained) {
    long span = 2 * windowPeriod;
    List<Spawn> inOrder = sorted(spawns);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < switches.size(); i++) {
      Switch s = switches.get(i);
      String head = s.from() + " -> " + s.to() + " at step " + s.step() + ": ";
      if (s.step() >= stepsTrained) {
        lines.add(head + "not reached");
        continue;
      }
      // A spawn after the next switch belongs to that switch, so the ranges never overlap.
      long end = Math.min(s.step() + span, stepsTrained);
      if (i + 1 < switches.size()) {
        end = Math.min(end, switches.get(i + 1).step());
      }
      List<String> near = new ArrayList<>();
      for (Spawn p : inOrder) {
        if (p.step() >= s.step() && p.step() < end) {
          near.add("layer " + p.layer() + " slot " + p.slot());
        }
      }
      double chance = (double) spawns.size() * (end - s.step()) / stepsTrained;
      lines.add(
          head
              + near.size()
              + (near.size() == 1 ? " spawn" : " spawns")
              + " within two windows (steps "
              + s.step()
              + "-"
              + (end - 1)
              + String.format(Locale.ROOT, "; %.1f by chance)", chance)
              + (near.isEmpty() ? "" : ": " + String.join(", ", near)));
    }
    return lines;
  }

  private static List<Spawn> sorted(List<Spawn> spawns) {
    List<Spawn> s = new ArrayList<>(spawns);
    s.sort(
        java.util.Comparator.comparingLong(Spawn::step)
            .thenComparingInt(Spawn::layer)
            .thenComparingInt(Spawn::slot));
    return s;
  }
}
