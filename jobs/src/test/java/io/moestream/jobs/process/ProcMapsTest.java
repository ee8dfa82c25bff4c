package io.moestream.jobs.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcMapsTest {
  @Test
  void theProcessesOwnMappingsAreRead() {
    // decided from the system, not from the reading: a reader that finds nothing must fail here
    assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "no /proc/self/maps (not Linux)");
    assertThat(ProcMaps.ofThisProcess())
        .hasValueSatisfying(lines -> assertThat(lines).anyMatch(l -> l.endsWith("/libjvm.so")));
    assertThat(Allocator.ofThisProcess().name()).isNotEqualTo(Allocator.UNKNOWN);
  }

  @Test
  void aPathThatIsNotUtf8HidesNoOtherLine(@TempDir Path dir) throws Exception {
    Path maps = dir.resolve("maps");
    Files.write(
        maps,
        ("7f00-7f10 r-xp 00000000 08:01 1 /opt/caf\u00e9/lib\u00ff.so\n"
                + "7f60-7f70 r-xp 00000000 08:01 3 /usr/lib/libjemalloc.so.2\n")
            .getBytes(StandardCharsets.ISO_8859_1)); // 0xE9, 0xFF: not UTF-8
    assertThat(ProcMaps.lines(maps)).hasSize(2);
    assertThat(Allocator.from(ProcMaps.lines(maps), Map.of()).name()).isEqualTo("jemalloc");
  }
}
