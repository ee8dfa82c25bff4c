package io.moestream.jobs.drift;

import io.moestream.moe.data.TextCorpus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The three disjoint parts of every domain the benchmark reads: the stream (its first {@code
 * stream} tokens, trained on in order and scored prequentially), the warm-up slice right after it
 * (the upcycled preset's dense model trains on it, domains interleaved batch by batch), and the
 * held-out slice, the domain's last {@code heldOut} tokens, which nothing trains on and which is
 * scored after every domain to measure forgetting. Keeping the parts disjoint is what makes "the
 * warm-up saw none of the stream" and "held-out" true by construction.
 *
 * @param stream the stream: every domain's first {@code stream} tokens, in serving order
 * @param warmUp per domain, its warm-up slice (empty list when the warm-up is off)
 * @param heldOut per domain, its held-out slice
 */
record DriftSlices(TextCorpus stream, List<TextCorpus> warmUp, List<TextCorpus> heldOut) {

  /**
   * Cuts {@code corpus}.
   *
   * @throws IllegalArgumentException naming a domain too short for the three parts
   */
  static DriftSlices of(TextCorpus corpus, long stream, long warmUp, long heldOut) {
    List<TextCorpus.Domain> streams = new ArrayList<>();
    List<TextCorpus> warm = new ArrayList<>();
    List<TextCorpus> held = new ArrayList<>();
    for (TextCorpus.Domain d : corpus.domains()) {
      long need = stream + warmUp + heldOut;
      if (d.length() < need) {
        throw new IllegalArgumentException(
            "domain "
                + d.name()
                + " has "
                + d.length()
                + " tokens, fewer than the stream, warm-up and held-out slices need ("
                + stream
                + " + "
                + warmUp
                + " + "
                + heldOut
                + "); lower --max-tokens-per-domain, --warmup-tokens-per-domain or"
                + " --held-out-tokens");
      }
      int[] tokens = d.tokens();
      int s = Math.toIntExact(stream);
      int w = Math.toIntExact(warmUp);
      int h = Math.toIntExact(heldOut);
      streams.add(new TextCorpus.Domain(d.name(), Arrays.copyOfRange(tokens, 0, s)));
      if (w > 0) {
        warm.add(one(d.name(), Arrays.copyOfRange(tokens, s, s + w)));
      }
      held.add(one(d.name(), Arrays.copyOfRange(tokens, tokens.length - h, tokens.length)));
    }
    return new DriftSlices(TextCorpus.of(streams), List.copyOf(warm), List.copyOf(held));
  }

  private static TextCorpus one(String name, int[] tokens) {
    return TextCorpus.of(List.of(new TextCorpus.Domain(name, tokens)));
  }

  /** Every held-out batch of each domain, {@code int[batch][ctx + 1]}, in text order. */
  List<List<int[][]>> heldOutBatches(int batch, int ctx) {
    List<List<int[][]>> out = new ArrayList<>();
    for (TextCorpus c : heldOut) {
      out.add(all(c.cursor(batch, ctx)));
    }
    return out;
  }

  /**
   * The warm-up's batches, the domains interleaved one batch each in turn (a domain that runs out
   * drops out), so that the dense model learns every domain rather than the last one it saw.
   */
  List<int[][]> warmUpBatches(int batch, int ctx) {
    List<List<int[][]>> per = new ArrayList<>();
    for (TextCorpus c : warmUp) {
      per.add(all(c.cursor(batch, ctx)));
    }
    List<int[][]> out = new ArrayList<>();
    for (int i = 0; ; i++) {
      boolean any = false;
      for (List<int[][]> d : per) {
        if (i < d.size()) {
          out.add(d.get(i));
          any = true;
        }
      }
      if (!any) {
        return out;
      }
    }
  }

  private static List<int[][]> all(TextCorpus.BatchCursor cursor) {
    List<int[][]> out = new ArrayList<>();
    while (cursor.hasNext()) {
      out.add(cursor.next());
    }
    return out;
  }
}
