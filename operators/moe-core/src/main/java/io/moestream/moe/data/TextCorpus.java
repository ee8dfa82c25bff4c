package io.moestream.moe.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A few text domains, each tokenised whole with {@link ByteTokenizer}, served as training windows
 * one domain after another.
 *
 * <p>Why domain after domain: a continual learner has to cope with drift, and the cleanest drift to
 * study is a hard switch — all of domain 1, then all of domain 2, ... — so that each boundary is a
 * known step at which routing, expert spawning and forgetting can be measured. Within a domain the
 * windows are consecutive, so the run is fully deterministic: no shuffling, no seed.
 *
 * <p>A domain's tokens are the raw bytes of its file (no BOS/EOS: a window cut from the middle of a
 * book has no document boundary). Instances are immutable and thread-safe; a {@link BatchCursor} is
 * not.
 */
public final class TextCorpus {
  /**
   * Names of the shipped domains ({@code data/corpus/NAME.txt}, on the classpath as {@code
   * /corpus/NAME.txt}) in the order {@link #bundled()} serves them: English prose, source code,
   * then the non-English prose. See {@code data/corpus/README.md} for sources and licences.
   */
  public static final List<String> BUNDLED_DOMAINS =
      List.of("english-prose", "source-code", "german-prose", "french-prose");

  private static final String BUNDLED_DIR = "/corpus/";
  private static final ByteTokenizer TOKENIZER = new ByteTokenizer();

  /**
   * One domain: its name and its whole token stream. The array is copied in and out so the corpus
   * stays immutable; use {@link #length()} and {@link #token(int)} to avoid the copy.
   */
  public record Domain(String name, int[] tokens) {
    /** Checks the name and that every token is a valid {@link ByteTokenizer} id. */
    public Domain {
      Objects.requireNonNull(name, "name");
      tokens = Objects.requireNonNull(tokens, "tokens").clone();
      for (int t : tokens) {
        if (!ByteTokenizer.isValid(t)) {
          throw new IllegalArgumentException("domain " + name + ": invalid token id " + t);
        }
      }
    }

    /** A copy of the tokens. */
    @Override
    public int[] tokens() {
      return tokens.clone();
    }

    public int length() {
      return tokens.length;
    }

    public int token(int i) {
      return tokens[i];
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Domain d && name.equals(d.name) && Arrays.equals(tokens, d.tokens);
    }

    @Override
    public int hashCode() {
      return 31 * name.hashCode() + Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
      return "Domain[" + name + ", " + tokens.length + " tokens]";
    }
  }

  private final List<Domain> domains;

  private TextCorpus(List<Domain> domains) {
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("a corpus needs at least one domain");
    }
    Set<String> names = new HashSet<>();
    for (Domain d : domains) {
      if (!names.add(d.name())) {
        throw new IllegalArgumentException("duplicate domain name: " + d.name());
      }
    }
    this.domains = List.copyOf(domains);
  }

  /** A corpus of the given domains, served in list order. */
  public static TextCorpus of(List<Domain> domains) {
    return new TextCorpus(Objects.requireNonNull(domains, "domains"));
  }

  /**
   * Loads one domain per file, in list order; a domain is named after its file without the
   * extension ({@code german-prose.txt} is {@code german-prose}).
   *
   * @throws IllegalArgumentException naming the file if it is missing, unreadable, not a regular
   *     file or empty, or if two files give the same domain name
   */
  public static TextCorpus load(List<Path> files) {
    Objects.requireNonNull(files, "files");
    List<Domain> domains = new ArrayList<>();
    for (Path file : files) {
      Objects.requireNonNull(file, "file");
      if (!Files.exists(file)) {
        throw new IllegalArgumentException("corpus file not found: " + file.toAbsolutePath());
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("corpus file is not a file: " + file.toAbsolutePath());
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("corpus file not found: " + file.toAbsolutePath(), e);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read corpus file " + file.toAbsolutePath() + ": " + e, e);
      }
      domains.add(domain(nameOf(file), bytes, file.toAbsolutePath().toString()));
    }
    return new TextCorpus(domains);
  }

  /**
   * The corpus shipped in {@code data/corpus}, read from the classpath, domains in {@link
   * #BUNDLED_DOMAINS} order.
   *
   * @throws IllegalStateException if a file is not on the classpath (moe-core's pom copies {@code
   *     data/corpus/*.txt} to {@code /corpus/})
   */
  public static TextCorpus bundled() {
    List<Domain> domains = new ArrayList<>();
    for (String name : BUNDLED_DOMAINS) {
      String resource = BUNDLED_DIR + name + ".txt";
      try (InputStream in = TextCorpus.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException(
              "bundled corpus file "
                  + resource
                  + " is not on the classpath (data/corpus/"
                  + name
                  + ".txt, copied by moe-core's pom)");
        }
        domains.add(domain(name, in.readAllBytes(), "classpath:" + resource));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read bundled corpus file " + resource, e);
      }
    }
    return new TextCorpus(domains);
  }

  private static Domain domain(String name, byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException("corpus file is empty: " + source);
    }
    return new Domain(name, TOKENIZER.encodeBytes(bytes));
  }

  private static String nameOf(Path file) {
    Path fileName = file.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException("corpus path has no file name: " + file);
    }
    String s = fileName.toString();
    int dot = s.lastIndexOf('.');
    return dot > 0 ? s.substring(0, dot) : s;
  }

  /** The domains in serving order (unmodifiable). */
  public List<Domain> domains() {
    return domains;
  }

  /** Total tokens over all domains. */
  public long totalTokens() {
    long n = 0;
    for (Domain d : domains) {
      n += d.length();
    }
    return n;
  }

  /** A cursor over every full batch of every domain. See {@link #cursor(int, int, long)}. */
  public BatchCursor cursor(int batchSize, int ctx) {
    return cursor(batchSize, ctx, Long.MAX_VALUE);
  }

  /**
   * A cursor yielding {@code int[batchSize][ctx + 1]} batches: inputs are {@code [0, ctx)}, targets
   * {@code [1, ctx + 1)} of each row. Only the first {@code maxTokensPerDomain} tokens of each
   * domain are used, so a run can switch domains early.
   *
   * @throws IllegalArgumentException if an argument is not positive, or if some domain (after the
   *     cap) cannot fill one batch: silently skipping it would hide a domain from a drift run
   */
  public BatchCursor cursor(int batchSize, int ctx, long maxTokensPerDomain) {
    return new BatchCursor(this, batchSize, ctx, maxTokensPerDomain);
  }

  /**
   * Serves consecutive, non-overlapping windows of {@code ctx + 1} tokens, {@code batchSize} at a
   * time: every batch of domain 0 in text order, then domain 1, and so on. A batch never mixes
   * domains; windows left over at the end of a domain that cannot fill a whole batch are dropped,
   * so every batch has the same shape. Deterministic, and {@link #seek(long)} makes it resumable
   * from a snapshot's batch count. Not thread-safe.
   */
  public static final class BatchCursor implements Iterator<int[][]> {
    private final TextCorpus corpus;
    private final int batchSize;
    private final int window;
    private final long[] firstBatch; // firstBatch[d] = global index of domain d's first batch
    private final long totalBatches;
    private long position; // batches handed out so far
    private int domain = -1; // domain of the batch last handed out

    private BatchCursor(TextCorpus corpus, int batchSize, int ctx, long maxTokensPerDomain) {
      if (batchSize < 1 || ctx < 1 || maxTokensPerDomain < 1) {
        throw new IllegalArgumentException(
            "batchSize, ctx and maxTokensPerDomain must be positive, got "
                + batchSize
                + ", "
                + ctx
                + ", "
                + maxTokensPerDomain);
      }
      this.corpus = corpus;
      this.batchSize = batchSize;
      this.window = Math.addExact(ctx, 1);
      List<Domain> ds = corpus.domains;
      this.firstBatch = new long[ds.size() + 1];
      for (int d = 0; d < ds.size(); d++) {
        long usable = Math.min(ds.get(d).length(), maxTokensPerDomain);
        long batches = usable / window / batchSize;
        if (batches == 0) {
          throw new IllegalArgumentException(
              "domain "
                  + ds.get(d).name()
                  + " has "
                  + usable
                  + " usable tokens, fewer than one batch of "
                  + batchSize
                  + " x "
                  + window);
        }
        firstBatch[d + 1] = firstBatch[d] + batches;
      }
      this.totalBatches = firstBatch[ds.size()];
    }

    @Override
    public boolean hasNext() {
      return position < totalBatches;
    }

    /** The next batch, {@code int[batchSize][ctx + 1]}, freshly allocated. */
    @Override
    public int[][] next() {
      if (!hasNext()) {
        throw new NoSuchElementException("corpus exhausted after " + totalBatches + " batches");
      }
      while (position >= firstBatch[domain + 1]) {
        domain++;
      }
      int[] tokens = corpus.domains.get(domain).tokens;
      long start = (position - firstBatch[domain]) * batchSize * window;
      int[][] batch = new int[batchSize][];
      for (int b = 0; b < batchSize; b++) {
        int from = Math.toIntExact(start + (long) b * window);
        batch[b] = Arrays.copyOfRange(tokens, from, from + window);
      }
      position++;
      return batch;
    }

    /** Index of the domain the batch last returned by {@link #next()} came from; -1 before. */
    public int domainIndex() {
      return domain;
    }

    /** Name of the domain the batch last returned by {@link #next()} came from. */
    public String domainName() {
      if (domain < 0) {
        throw new IllegalStateException("no batch served yet");
      }
      return corpus.domains.get(domain).name();
    }

    /** Whether the batch last returned is the first of its domain, i.e. a drift step. */
    public boolean atDomainStart() {
      return domain >= 0 && position - 1 == firstBatch[domain];
    }

    /** Batches handed out so far. */
    public long position() {
      return position;
    }

    /** Total batches this cursor yields over all domains. */
    public long totalBatches() {
      return totalBatches;
    }

    /** Batches this cursor yields from domain {@code d}. */
    public long batchesInDomain(int d) {
      return firstBatch[d + 1] - firstBatch[d];
    }

    /**
     * Moves so that {@link #position()} is {@code batches}, as if that many batches had been
     * served; {@link #domainIndex()} then names the domain of the last one of them.
     */
    public void seek(long batches) {
      if (batches < 0 || batches > totalBatches) {
        throw new IllegalArgumentException(
            "position " + batches + " is outside [0, " + totalBatches + "]");
      }
      position = batches;
      domain = -1;
      if (batches > 0) {
        domain = 0;
        while (batches - 1 >= firstBatch[domain + 1]) {
          domain++;
        }
      }
    }
  }
}
