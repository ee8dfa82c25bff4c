package io.moestream.moe.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every DynMoE reference case — the copies bundled in test resources and any case in {@code
 * ../shared/conformance/dynmoe/} (new cases land there first) — through the real implementation,
 * every field at the stated tolerances.
 */
class DynMoeConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesTheReference() throws Exception {
    return cases().entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      ConformanceReport report =
                          DynMoeConformance.check(e.getKey(), JSON.readTree(e.getValue().toFile()));
                      assertThat(report.failures())
                          .as("fields outside tolerance in %s", e.getValue())
                          .isEmpty();
                      assertThat(report.fields()).hasSizeGreaterThan(40);
                    }));
  }

  @Test
  void coversBothDtypesAndBothAuxVariants() throws Exception {
    List<String> seen = new ArrayList<>();
    for (Path p : cases().values()) {
      var meta = JSON.readTree(p.toFile()).get("meta");
      seen.add(meta.get("dtype").asText() + "/" + meta.get("aux_variant").asText());
    }
    assertThat(seen)
        .contains("torch.float32/deepspeed", "torch.float64/deepspeed", "torch.float64/tutel");
  }

  @Test
  void aWrongValueIsCaught() throws Exception {
    Path any = cases().values().iterator().next();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(any.toFile());
    var tf = (com.fasterxml.jackson.databind.node.ObjectNode) tree.get("train_forward");
    tf.put("l_aux", tf.get("l_aux").asDouble() + 1e-3);
    ConformanceReport report = DynMoeConformance.check("tampered", tree);
    assertThat(report.failures())
        .extracting(FieldCheck::field)
        .containsExactly("train_forward.l_aux");
  }

  /** Bundled cases by file name; a case of the same name in the shared folder replaces it. */
  static Map<String, Path> cases() throws IOException, URISyntaxException {
    Map<String, Path> byName = new TreeMap<>();
    Path bundled =
        Paths.get(DynMoeConformanceTest.class.getResource("/conformance/dynmoe").toURI());
    addJson(bundled, byName);
    String extra =
        System.getProperty("moe.conformance.extraDir", "../../../shared/conformance/dynmoe");
    Path shared = Paths.get(extra);
    if (Files.isDirectory(shared)) {
      addJson(shared, byName);
    }
    assertThat(byName).isNotEmpty();
    return byName;
  }

  private static void addJson(Path dir, Map<String, Path> into) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p :
          files.filter(f -> f.toString().endsWith(".json")).collect(Collectors.toList())) {
        into.put(p.getFileName().toString(), p);
      }
    }
  }
}
