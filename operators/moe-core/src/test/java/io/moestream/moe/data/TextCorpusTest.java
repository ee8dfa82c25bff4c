package io.moestream.moe.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.data.TextCorpus.BatchCursor;
import io.moestream.moe.data.TextCorpus.Domain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
  @TempDir Path dir;

  /** A file of {@code n} bytes following a pattern that never repeats within 251 bytes. */
  private Path file(String name, int n, int salt) throws IOException {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * 7 + salt) % 251);
    }
    return Files.write(dir.resolve(name), b);
  }

  private static List<int[][]> drain(BatchCursor c, List<Integer> domainsOut) {
    List<int[][]> out = new ArrayList<>();
    while (c.hasNext()) {
      out.add(c.next());
      domainsOut.add(c.domainIndex());
    }
    return out;
  }

  @Test
  void loadNamesDomainsAfterTheirFiles() throws IOException {
    TextCorpus corpus = TextCorpus.load(List.of(file("alpha.txt", 50, 0), file("beta.md", 30, 1)));
    assertThat(corpus.domains()).extracting(Domain::name).containsExactly("alpha", "beta");
    assertThat(corpus.domains().get(0).length()).isEqualTo(50);
    assertThat(corpus.totalTokens()).isEqualTo(80);
    byte[] raw = Files.readAllBytes(dir.resolve("beta.md"));
    assertThat(corpus.domains().get(1).tokens())
        .containsExactly(new ByteTokenizer().encodeBytes(raw));
  }

  @Test
  void windowsAreConsecutiveAndNonOverlapping() throws IOException {
    int batch = 3;
    int ctx = 7;
    TextCorpus corpus = TextCorpus.load(List.of(file("a.txt", 1000, 0)));
    BatchCursor c = corpus.cursor(batch, ctx);
    List<int[][]> batches = drain(c, new ArrayList<>());

    int windows = 1000 / (ctx + 1); // 125
    assertThat(batches).hasSize(windows / batch); // 41: the last partial batch is dropped
    int[] tokens = corpus.domains().get(0).tokens();
    int expectedStart = 0;
    for (int[][] b : batches) {
      assertThat(b).hasNumberOfRows(batch);
      for (int[] row : b) {
        assertThat(row).hasSize(ctx + 1);
        assertThat(row)
            .containsExactly(Arrays.copyOfRange(tokens, expectedStart, expectedStart + ctx + 1));
        expectedStart += ctx + 1; // next window starts right after this one: no gap, no overlap
      }
    }
    assertThatThrownBy(c::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void servesDomainsInOrderEachFully() throws IOException {
    TextCorpus corpus =
        TextCorpus.load(
            List.of(file("x.txt", 400, 0), file("y.txt", 200, 1), file("z.txt", 300, 2)));
    BatchCursor c = corpus.cursor(2, 9); // 20 tokens per batch
    assertThat(c.domainIndex()).isEqualTo(-1);
    List<Integer> domains = new ArrayList<>();
    List<int[][]> batches = drain(c, domains);

    assertThat(c.batchesInDomain(0)).isEqualTo(20);
    assertThat(c.batchesInDomain(1)).isEqualTo(10);
    assertThat(c.batchesInDomain(2)).isEqualTo(15);
    assertThat(c.totalBatches()).isEqualTo(45);
    assertThat(domains).isSorted().hasSize(45);
    assertThat(domains.subList(0, 20)).containsOnly(0);
    assertThat(domains.subList(20, 30)).containsOnly(1);
    assertThat(domains.subList(30, 45)).containsOnly(2);
    // The first batch of y starts at y's first token.
    assertThat(batches.get(20)[0][0]).isEqualTo(corpus.domains().get(1).token(0));
    assertThat(c.domainName()).isEqualTo("z");
  }

  @Test
  void atDomainStartMarksEachSwitch() throws IOException {
    TextCorpus corpus = TextCorpus.load(List.of(file("x.txt", 40, 0), file("y.txt", 40, 1)));
    BatchCursor c = corpus.cursor(1, 9);
    List<Boolean> starts = new ArrayList<>();
    while (c.hasNext()) {
      c.next();
      starts.add(c.atDomainStart());
    }
    assertThat(starts).containsExactly(true, false, false, false, true, false, false, false);
  }

  @Test
  void capLimitsTokensPerDomainSoTheRunSwitchesEarly() throws IOException {
    TextCorpus corpus = TextCorpus.load(List.of(file("x.txt", 1000, 0), file("y.txt", 1000, 1)));
    BatchCursor c = corpus.cursor(2, 4, 100); // 10 tokens per batch, 100 tokens per domain
    List<Integer> domains = new ArrayList<>();
    List<int[][]> batches = drain(c, domains);

    assertThat(batches).hasSize(20);
    assertThat(domains.subList(0, 10)).containsOnly(0);
    assertThat(domains.subList(10, 20)).containsOnly(1);
    int[] x = corpus.domains().get(0).tokens();
    assertThat(batches.get(9)[1]).containsExactly(Arrays.copyOfRange(x, 95, 100));
    int[] y = corpus.domains().get(1).tokens();
    assertThat(batches.get(10)[0]).containsExactly(Arrays.copyOfRange(y, 0, 5));
  }

  @Test
  void capOrDomainTooSmallForOneBatchIsAnError() throws IOException {
    TextCorpus corpus = TextCorpus.load(List.of(file("big.txt", 1000, 0), file("tiny.txt", 5, 1)));
    assertThatThrownBy(() -> corpus.cursor(1, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tiny");
    assertThatThrownBy(() -> corpus.cursor(4, 8, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("big");
    assertThatThrownBy(() -> corpus.cursor(0, 8)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isDeterministicAndSeekResumes() throws IOException {
    TextCorpus corpus = TextCorpus.load(List.of(file("x.txt", 500, 0), file("y.txt", 500, 1)));
    List<int[][]> first = drain(corpus.cursor(2, 15), new ArrayList<>());
    List<int[][]> second = drain(corpus.cursor(2, 15), new ArrayList<>());
    assertThat(second).hasSameSizeAs(first);
    for (int i = 0; i < first.size(); i++) {
      assertThat(second.get(i)).isDeepEqualTo(first.get(i));
    }

    BatchCursor resumed = corpus.cursor(2, 15);
    resumed.seek(17);
    assertThat(resumed.position()).isEqualTo(17);
    assertThat(resumed.domainIndex()).isEqualTo(1); // batch 16 is in y, whose batches start at 15
    assertThat(resumed.next()).isDeepEqualTo(first.get(17));
    resumed.seek(0);
    assertThat(resumed.domainIndex()).isEqualTo(-1);
    assertThat(resumed.next()).isDeepEqualTo(first.get(0));
  }

  @Test
  void missingFileIsAClearError() {
    Path missing = dir.resolve("no-such-domain.txt");
    assertThatThrownBy(() -> TextCorpus.load(List.of(missing)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not found")
        .hasMessageContaining("no-such-domain.txt");
  }

  @Test
  void emptyFileAndDirectoryAreClearErrors() throws IOException {
    Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
    assertThatThrownBy(() -> TextCorpus.load(List.of(empty)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty")
        .hasMessageContaining("empty.txt");
    Path sub = Files.createDirectory(dir.resolve("sub.txt"));
    assertThatThrownBy(() -> TextCorpus.load(List.of(sub)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sub.txt");
  }

  @Test
  void duplicateDomainNamesAreRejected() throws IOException {
    Path a = file("same.txt", 10, 0);
    Path b = file("same.md", 10, 1);
    assertThatThrownBy(() -> TextCorpus.load(List.of(a, b)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same");
  }

  @Test
  void domainIsImmutable() {
    int[] tokens = {1, 2, 3};
    Domain d = new Domain("d", tokens);
    tokens[0] = 99;
    d.tokens()[1] = 99;
    assertThat(d.tokens()).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> new Domain("bad", new int[] {ByteTokenizer.VOCAB_SIZE}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bundledCorpusLoadsAllDomainsInTheDocumentedOrder() {
    TextCorpus corpus = TextCorpus.bundled();
    assertThat(corpus.domains())
        .extracting(Domain::name)
        .containsExactlyElementsOf(TextCorpus.BUNDLED_DOMAINS)
        .hasSizeGreaterThanOrEqualTo(3)
        .startsWith("english-prose", "source-code");
    for (Domain d : corpus.domains()) {
      assertThat(d.length()).as(d.name()).isGreaterThanOrEqualTo(100_000);
    }
    String code = new ByteTokenizer().decode(Arrays.copyOf(corpus.domains().get(1).tokens(), 2000));
    assertThat(code).contains("Licensed to the Apache Software Foundation");
    BatchCursor c = corpus.cursor(8, 128);
    assertThat(c.totalBatches()).isGreaterThan(4 * 90);
  }
}
