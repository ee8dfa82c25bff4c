package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} as a new user runs it: default duration, default model flags. The stream must end by
 * itself (every token trained, not the duration cap), and the summary must give a loss for every
 * bundled domain and a spawns line for each of the three switches. The same for {@code --local}.
 */
class DemoDefaultsITCase {
  private static final List<String> DOMAINS =
      List.of("english-prose", "source-code", "german-prose", "french-prose");

  /** "english-prose -> source-code at step 80: 3 spawns within two windows (...)". */
  private static final Pattern SWITCH_LINE =
      Pattern.compile(
          "(?m)^  (\\S+) -> (\\S+) at step \\d+: \\d+ spawns? within two windows \\(steps \\d+-\\d+;"
              + " \\d+\\.\\d by chance\\)");

  @TempDir Path tmp;

  @Test
  void theEmbeddedDemoReachesEveryDomainWithinItsDefaultDuration() {
    CliRun r = CliRun.of("demo", "--work-dir", tmp.resolve("w").toString());

    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).as(r.out()).contains("every token trained; stopping");
    for (String domain : DOMAINS) {
      assertThat(r.out()).as(r.out()).containsPattern("(?m)^  " + domain + " +\\d+\\.\\d{4}$");
    }
    assertSwitchLines(r.out());
  }

  @Test
  void theLocalDemoReachesEveryDomainWithinItsDefaultDuration() {
    CliRun r = CliRun.of("demo", "--local", "--no-progress");

    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).as(r.out()).contains("every domain served after");
    for (String domain : DOMAINS) {
      assertThat(r.out()).as(r.out()).containsPattern("(?m)^" + domain + " +\\d+ +\\d+ +\\d");
    }
    assertSwitchLines(r.out());
  }

  private static void assertSwitchLines(String out) {
    assertThat(out).doesNotContain("not reached");
    var m = SWITCH_LINE.matcher(out);
    for (int i = 1; i < DOMAINS.size(); i++) {
      assertThat(m.find()).as("a line for switch %d in:\n%s", i, out).isTrue();
      assertThat(List.of(m.group(1), m.group(2)))
          .containsExactly(DOMAINS.get(i - 1), DOMAINS.get(i));
    }
  }
}
