package io.moestream.jobs.kafka;

import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The expert sets a registry consumer rebuilds from lifecycle events: per model and MoE layer, the
 * active slots and the history of spawns and prunes that led there.
 *
 * <p>How: every layer starts with slots {@code 0 .. E_init-1} active (how the trainer creates a
 * model); events are applied in the trainer's order — by step, prunes before the spawn of the same
 * step (the lifecycle prunes first, and a spawn may reuse a slot just pruned), then by slot.
 * Duplicates (same {@code eventId}, e.g. produced again by a job restored from an older savepoint)
 * count once; {@code UNKNOWN} kinds (written by a newer producer) are kept in the history but do
 * not change a set. On a compacted topic only each slot's latest event survives: the final sets are
 * still exact (a slot's latest event decides it), only the history is shortened.
 */
public final class RegistryState {
  /** Order in which the trainer applied the changes. */
  static final Comparator<ExpertLifecycleEvent> TRAINER_ORDER =
      Comparator.comparingLong(ExpertLifecycleEvent::getStep)
          .thenComparingInt(e -> e.getKind() == ExpertEventKind.PRUNED ? 0 : 1)
          .thenComparingInt(ExpertLifecycleEvent::getLayer)
          .thenComparingInt(ExpertLifecycleEvent::getSlot);

  /** One layer of one model. */
  public static final class Layer {
    private final SortedSet<Integer> active = new TreeSet<>();
    private final List<ExpertLifecycleEvent> history = new ArrayList<>();

    public SortedSet<Integer> active() {
      return new TreeSet<>(active);
    }

    /** The events applied to this layer, in the trainer's order. */
    public List<ExpertLifecycleEvent> history() {
      return List.copyOf(history);
    }

    /** Whether the set agrees with the experts-active count the latest event carries. */
    public boolean consistent() {
      return history.isEmpty() || history.get(history.size() - 1).getActiveAfter() == active.size();
    }
  }

  private final Map<String, TreeMap<Integer, Layer>> models = new TreeMap<>();
  private final int initialExperts;

  private RegistryState(int initialExperts) {
    this.initialExperts = initialExperts;
  }

  /**
   * @param initialExperts E_init: slots active when a model is created
   * @param beforeStep only events of steps below this count (a snapshot taken after {@code n} steps
   *     saw every event of steps {@code < n}); {@code Long.MAX_VALUE} for all
   */
  public static RegistryState of(
      Collection<ExpertLifecycleEvent> events, int initialExperts, long beforeStep) {
    if (initialExperts < 1) {
      throw new IllegalArgumentException("initial experts must be >= 1, got " + initialExperts);
    }
    RegistryState s = new RegistryState(initialExperts);
    Set<String> seen = new HashSet<>();
    List<ExpertLifecycleEvent> sorted = new ArrayList<>();
    for (ExpertLifecycleEvent e : events) {
      if (e.getStep() < beforeStep && seen.add(e.getEventId())) {
        sorted.add(e);
      }
    }
    sorted.sort(TRAINER_ORDER);
    for (ExpertLifecycleEvent e : sorted) {
      Layer l = s.layer(e.getModelId(), e.getLayer());
      if (e.getKind() == ExpertEventKind.SPAWNED) {
        l.active.add(e.getSlot());
      } else if (e.getKind() == ExpertEventKind.PRUNED) {
        l.active.remove(e.getSlot());
      }
      l.history.add(e);
    }
    return s;
  }

  /** Models with at least one event, sorted. */
  public Set<String> models() {
    return models.keySet();
  }

  /** Layers of {@code model} with at least one event, sorted. */
  public Set<Integer> layers(String model) {
    return models.getOrDefault(model, new TreeMap<>()).keySet();
  }

  /** A layer's state; a layer without events has the initial slots and no history. */
  public Layer layer(String model, int layer) {
    return models
        .computeIfAbsent(model, m -> new TreeMap<>())
        .computeIfAbsent(layer, l -> initialLayer());
  }

  private Layer initialLayer() {
    Layer l = new Layer();
    for (int e = 0; e < initialExperts; e++) {
      l.active.add(e);
    }
    return l;
  }
}
