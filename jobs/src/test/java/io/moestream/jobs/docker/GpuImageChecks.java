package io.moestream.jobs.docker;

import static io.moestream.jobs.docker.ComposeChecks.map;
import static io.moestream.jobs.docker.ComposeChecks.strings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPU image (docker/gpu/Dockerfile) and the compose override that runs it, checked against each
 * other without a Docker engine: the pinned PyTorch image is the torch version and CUDA flavor the
 * image declares, the JNI is built for exactly that torch and installed where DJL looks for it
 * (LibUtils: {@code
 * <ENGINE_CACHE_DIR>/pytorch/<version>-<flavor>-linux-x86_64/<djl>-libdjl_torch.so}), the image
 * exports the three variables DJL reads, and the override's TaskManagers build that image on top of
 * the CPU image. Returns one line per problem; empty when consistent.
 */
final class GpuImageChecks {
  private static final Pattern TORCH_IMAGE =
      Pattern.compile("pytorch/pytorch:(\\d+\\.\\d+\\.\\d+)-cuda(\\d+)\\.(\\d+)-cudnn\\d+-devel");
  static final String GPU_DOCKERFILE = "docker/gpu/Dockerfile";

  private GpuImageChecks() {}

  static List<String> of(
      String dockerfile,
      String dockerignore,
      Map<String, Object> compose,
      Map<String, Object> gpuOverride,
      String djlVersion,
      Path repoRoot) {
    List<String> problems = new ArrayList<>();
    Map<String, String> args = args(dockerfile);
    String version = args.getOrDefault("TORCH_VERSION", "");
    String flavor = args.getOrDefault("TORCH_FLAVOR", "");
    Matcher image = TORCH_IMAGE.matcher(args.getOrDefault("TORCH_IMAGE", ""));
    if (!image.matches()) {
      problems.add(
          "TORCH_IMAGE: expected a pinned pytorch/pytorch:<version>-cuda<X.Y>-cudnn<N>-devel tag,"
              + " found "
              + args.get("TORCH_IMAGE"));
    } else {
      if (!image.group(1).equals(version)) {
        problems.add(
            "TORCH_VERSION "
                + version
                + " is not the torch of TORCH_IMAGE ("
                + image.group(1)
                + ")");
      }
      String cuda = "cu" + image.group(2) + image.group(3);
      if (!cuda.equals(flavor)) {
        problems.add("TORCH_FLAVOR " + flavor + " is not the CUDA of TORCH_IMAGE (" + cuda + ")");
      }
    }
    if (!flavor.startsWith("cu")) {
      problems.add("TORCH_FLAVOR " + flavor + " does not start with cu: DJL would load no CUDA");
    }
    String text = joined(dockerfile);
    for (String from : List.of("FROM ${TORCH_IMAGE} AS jni", "FROM moe-base AS gpu")) {
      if (!text.contains(from)) {
        problems.add("Dockerfile: no stage " + from);
      }
    }
    if (!text.contains("https://github.com/deepjavalibrary/djl.git#v" + djlVersion + " ")) {
      problems.add("Dockerfile: DJL's sources are not taken at tag v" + djlVersion);
    }
    String build = line(text, "RUN /src/moe/docker/gpu/build-djl-jni.sh ");
    String cacheDir = option(build, "--cache-dir");
    if (build.isEmpty()) {
      problems.add("Dockerfile: build-djl-jni.sh is not run");
    } else {
      for (String required :
          List.of("--expect-version ${TORCH_VERSION}", "--flavor ${TORCH_FLAVOR}", "--djl-src ")) {
        if (!build.contains(required)) {
          problems.add("Dockerfile: build-djl-jni.sh runs without " + required.trim());
        }
      }
    }
    Map<String, String> env = env(text);
    expect(problems, env, "PYTORCH_VERSION", "${TORCH_VERSION}");
    expect(problems, env, "PYTORCH_FLAVOR", "${TORCH_FLAVOR}");
    expect(problems, env, "ENGINE_CACHE_DIR", cacheDir);
    String libPath = env.getOrDefault("PYTORCH_LIBRARY_PATH", "");
    if (!libPath.endsWith("/torch/lib")
        || !text.contains("COPY --from=jni /opt/torch/ /opt/torch/")) {
      problems.add(
          "PYTORCH_LIBRARY_PATH " + libPath + " is not the torch/lib copied from stage jni");
    }
    String jni =
        cacheDir
            + "/pytorch/${TORCH_VERSION}-${TORCH_FLAVOR}-linux-x86_64/"
            + djlVersion
            + "-libdjl_torch.so";
    if (!text.contains("RUN ls " + jni)) {
      problems.add("Dockerfile: does not check that the JNI is at " + jni);
    }
    if (!text.lines().anyMatch(GpuImageChecks::namesCudart)) {
      problems.add(
          "Dockerfile: does not give the wheel's CUDA runtime the name libcudart.so in the loader's"
              + " cache (DJL counts GPUs through JNA's Native.load(\"cudart\"))");
    }
    for (String copied : copiedFromContext(text)) {
      Path file = repoRoot.resolve(copied);
      if (!Files.isRegularFile(file)) {
        problems.add("Dockerfile: copies " + copied + ", which does not exist");
      } else if (copied.endsWith(".sh") && !Files.isExecutable(file)) {
        problems.add("Dockerfile: " + copied + " is not executable");
      }
      if (!dockerignore.lines().anyMatch(l -> l.trim().equals("!" + copied))) {
        problems.add("Dockerfile.dockerignore: leaves out " + copied + ", which the image copies");
      }
    }
    problems.addAll(override(compose, gpuOverride, repoRoot));
    return problems;
  }

  /** The override's TaskManagers build and run the GPU image on top of the jobmanager's image. */
  private static List<String> override(
      Map<String, Object> compose, Map<String, Object> gpuOverride, Path repoRoot) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> base = map(compose.get("services"));
    Map<String, Object> jobmanager = map(base.get("jobmanager"));
    String cpuImage = String.valueOf(jobmanager.get("image"));
    Object jmBuild = jobmanager.get("build");
    if (!(jmBuild instanceof Map<?, ?>)
        || !"docker/Dockerfile".equals(String.valueOf(map(jmBuild).get("dockerfile")))) {
      problems.add("jobmanager: does not build docker/Dockerfile, the GPU image's moe-base");
    }
    for (Map.Entry<String, Object> e : map(gpuOverride.get("services")).entrySet()) {
      String tm = e.getKey();
      Map<String, Object> s = map(e.getValue());
      if (!(cpuImage + "-gpu").equals(String.valueOf(s.get("image")))) {
        problems.add(tm + " image: expected " + cpuImage + "-gpu, found " + s.get("image"));
      }
      Object buildSpec = s.get("build");
      if (!(buildSpec instanceof Map<?, ?>)) {
        problems.add(tm + ": does not build the GPU image");
        continue;
      }
      Map<String, Object> build = map(buildSpec);
      if (!GPU_DOCKERFILE.equals(String.valueOf(build.get("dockerfile")))
          || !"..".equals(String.valueOf(build.get("context")))) {
        problems.add(tm + ": does not build " + GPU_DOCKERFILE + " with the repository as context");
      }
      Object contexts = build.get("additional_contexts");
      String base0 =
          contexts instanceof Map<?, ?> ? String.valueOf(map(contexts).get("moe-base")) : "";
      if (!"service:jobmanager".equals(base0)) {
        problems.add(tm + ": moe-base is not the jobmanager's image (service:jobmanager)");
      }
      Map<String, String> env = strings(s.get("environment"));
      if (env.containsKey("PYTORCH_LIBRARY_PATH") || s.containsKey("volumes")) {
        problems.add(tm + ": mounts or points at a libtorch of its own; the GPU image has one");
      }
    }
    if (!Files.isRegularFile(repoRoot.resolve(GPU_DOCKERFILE))) {
      problems.add(GPU_DOCKERFILE + " does not exist");
    }
    return problems;
  }

  /** A RUN that names the CUDA runtime libcudart.so and puts its directory in ld.so's cache. */
  private static boolean namesCudart(String line) {
    return line.startsWith("RUN ")
        && line.contains(" libcudart.so ")
        && line.contains("/etc/ld.so.conf.d/")
        && line.contains("ldconfig");
  }

  private static void expect(
      List<String> problems, Map<String, String> env, String name, String value) {
    if (!value.equals(env.get(name))) {
      problems.add("ENV " + name + ": expected " + value + ", found " + env.get(name));
    }
  }

  /** Dockerfile lines with their backslash continuations joined. */
  private static String joined(String dockerfile) {
    return dockerfile.replaceAll("\\\\\\r?\\n\\s*", " ");
  }

  private static Map<String, String> args(String dockerfile) {
    Map<String, String> args = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^ARG (\\w+)=(\\S+)$").matcher(dockerfile);
    while (m.find()) {
      args.put(m.group(1), m.group(2));
    }
    return args;
  }

  private static Map<String, String> env(String joined) {
    Map<String, String> env = new LinkedHashMap<>();
    Matcher line = Pattern.compile("(?m)^ENV (.*)$").matcher(joined);
    while (line.find()) {
      Matcher kv = Pattern.compile("(\\w+)=(\\S+)").matcher(line.group(1));
      while (kv.find()) {
        env.put(kv.group(1), kv.group(2));
      }
    }
    return env;
  }

  private static String line(String joined, String prefix) {
    return joined.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
  }

  private static String option(String command, String name) {
    Matcher m = Pattern.compile(Pattern.quote(name) + " (\\S+)").matcher(command);
    return m.find() ? m.group(1) : "";
  }

  /** Sources of COPY instructions that read the build context (not --from another stage). */
  private static List<String> copiedFromContext(String joined) {
    List<String> sources = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^COPY (?!--from)(\\S+) \\S+$").matcher(joined);
    while (m.find()) {
      sources.add(m.group(1));
    }
    return sources;
  }
}
