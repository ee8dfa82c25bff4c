package io.moestream.jobs.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.moe.serve.Inference;
import io.moestream.moe.serve.Manifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code infer --json}: the score as one JSON object, the loss at full double precision (the text
 * form rounds it to 4 places), for scripts and for checking another implementation against it.
 */
final class InferJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InferJson() {}

  static String of(Manifest m, Inference r, boolean withRoutes) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("modelId", m.modelId());
    o.put("step", m.step());
    o.put("router", m.model().router().kind().cliName());
    o.put("loss", r.loss());
    o.put("perplexity", r.perplexity());
    o.put("scored", r.scored());
    o.put("avgK", averageK(r, m.model().layers()));
    if (withRoutes) {
      List<Map<String, Object>> routes = new ArrayList<>();
      for (Inference.TokenRoute t : r.routes()) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("position", t.position());
        one.put("token", t.token());
        one.put("experts", t.experts());
        routes.add(one);
      }
      o.put("routes", routes);
    }
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the score of " + m.modelId() + " as JSON", e);
    }
  }

  /** Mean over scored tokens of the experts each layer ran. */
  static double[] averageK(Inference r, int layers) {
    double[] k = new double[layers];
    for (int l = 0; l < layers; l++) {
      final int layer = l;
      k[l] = r.routes().stream().mapToInt(t -> t.k(layer)).average().orElse(0);
    }
    return k;
  }
}
