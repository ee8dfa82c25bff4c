package io.moestream.jobs.doctor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.jobs.process.Allocator;
import io.moestream.jobs.process.ProcMaps;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What DJL actually loaded, as far as the process can tell: the versions DJL reports, the native
 * files the process has mapped (not where DJL would look: a {@code PYTORCH_LIBRARY_PATH} that
 * points elsewhere shows here), the variables that steer DJL's choice, libtorch's thread pools and
 * the GPUs DJL sees.
 *
 * @param djlVersion DJL's own version
 * @param engine engine name and the libtorch version it reports
 * @param libtorchDir the libtorch directory DJL chose
 * @param loaded the libtorch and JNI libraries mapped into this process ({@code /proc/self/maps})
 * @param flavor {@code cpu}, {@code cu130}, ...: {@code PYTORCH_FLAVOR}, else read from the JNI's
 *     cache directory ({@code 2.7.1-cpu-linux-x86_64})
 * @param environment {@code PYTORCH_*} variables that steer DJL, {@code (unset)} when absent
 * @param cacheDir DJL's engine cache, where it unpacks libtorch and looks for the JNI
 * @param intraOpThreads libtorch's intra-op pool size
 * @param interOpThreads libtorch's inter-op pool size
 * @param cuda the CUDA runtime DJL found, or {@code none}
 * @param gpus the GPUs DJL sees
 * @param malloc the malloc that serves libtorch's tensors: glibc's or a preloaded one
 */
public record EngineInfo(
    String djlVersion,
    String engine,
    String libtorchDir,
    List<String> loaded,
    String flavor,
    Map<String, String> environment,
    String cacheDir,
    int intraOpThreads,
    int interOpThreads,
    String cuda,
    List<Gpu> gpus,
    Allocator malloc) {

  /** The libtorch of the native jar this build ships, which DJL 0.35.1's prebuilt JNI matches. */
  static final String BUNDLED_LIBTORCH = "2.7.1";

  /** The variables that choose which libtorch DJL loads (README "GPU"). */
  static final List<String> VARIABLES =
      List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR", "PYTORCH_PRECXX11");

  /** A mapped file the report names: libtorch itself, its CUDA half, c10, DJL's JNI. */
  private static final Pattern NATIVE =
      Pattern.compile(
          "(/\\S*/(libtorch(_cpu|_cuda)?|libc10(_cuda)?|[^/\\s]*libdjl_torch)\\.so(\\.[0-9.]+)?)$");

  /**
   * The JNI's cache directory: {@code <version>[-<build date>]-<flavor>-<os>-<arch>}, e.g. {@code
   * 2.7.1-20250812-cpu-linux-x86_64} or {@code 2.11.0-cu130-linux-x86_64}.
   */
  private static final Pattern JNI_DIR = Pattern.compile("-([^-]+)-(linux|osx|win)[^/]*$");

  /**
   * One GPU as DJL sees it.
   *
   * @param index its CUDA index
   * @param device its DJL name, {@code gpu(0)}
   * @param computeCapability e.g. {@code 90}, or {@code ?} when CUDA would not say
   * @param memoryMb its total memory, or -1 when CUDA would not say
   */
  public record Gpu(int index, String device, String computeCapability, long memoryMb) {}

  /** Loads the engine (once per JVM) and reads what it loaded. */
  public static EngineInfo probe() {
    Engine engine;
    try {
      engine = Engine.getInstance();
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalStateException(
          "libtorch did not load ("
              + CliErrors.describe(e)
              + "); check PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR against the"
              + " installed libtorch, and build DJL's JNI for it (README \"GPU\")");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String v : VARIABLES) {
      String value = System.getenv(v);
      env.put(v, value == null ? "(unset)" : value);
    }
    Optional<List<String>> maps = ProcMaps.ofThisProcess(); // read once, for both questions
    List<String> loaded = maps.map(EngineInfo::nativeLibraries).orElse(List.of());
    int gpuCount = engine.getGpuCount();
    List<Gpu> gpus = new ArrayList<>();
    for (int i = 0; i < gpuCount; i++) {
      gpus.add(gpu(i));
    }
    return new EngineInfo(
        Engine.getDjlVersion(),
        engine.getEngineName() + " " + engine.getVersion(),
        String.valueOf(LibUtils.getLibtorchPath()),
        loaded,
        flavor(System.getenv("PYTORCH_FLAVOR"), loaded),
        env,
        String.valueOf(Utils.getEngineCacheDir()),
        JniUtils.getNumThreads(),
        JniUtils.getNumInteropThreads(),
        CudaUtils.hasCuda() ? CudaUtils.getCudaVersionString() : "none",
        gpus,
        Allocator.of(maps));
  }

  private static Gpu gpu(int index) {
    Device d = Device.gpu(index);
    String cc;
    long mb;
    try {
      cc = CudaUtils.getComputeCapability(index);
    } catch (RuntimeException e) {
      cc = "?";
    }
    try {
      MemoryUsage m = CudaUtils.getGpuMemory(d);
      mb = m.getMax() / (1024 * 1024);
    } catch (RuntimeException e) {
      mb = -1;
    }
    return new Gpu(index, d.toString(), cc, mb);
  }

  /** The distinct native library paths named in lines of {@code /proc/self/maps}, in order. */
  static List<String> nativeLibraries(List<String> mapsLines) {
    List<String> out = new ArrayList<>();
    for (String line : mapsLines) {
      Matcher m = NATIVE.matcher(line.strip());
      if (m.find() && !out.contains(m.group(1))) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /**
   * {@code PYTORCH_FLAVOR} when set (DJL loads CUDA only when it contains {@code cu}), else the
   * flavor in the loaded JNI's cache directory name, else {@code unknown}.
   */
  static String flavor(String flavorVariable, List<String> loaded) {
    if (flavorVariable != null && !flavorVariable.isBlank()) {
      return flavorVariable;
    }
    for (String path : loaded) {
      if (path.endsWith("libdjl_torch.so")) {
        Path dir = Path.of(path).getParent();
        Matcher m = JNI_DIR.matcher(dir == null ? "" : String.valueOf(dir.getFileName()));
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    return "unknown";
  }

  /**
   * Whether DJL loaded a libtorch other than the bundled one ({@code PYTORCH_LIBRARY_PATH} or
   * another version): then a JNI built for the bundled one may not match it.
   */
  boolean ownLibtorch() {
    return !"(unset)".equals(environment.getOrDefault("PYTORCH_LIBRARY_PATH", "(unset)"))
        || !BUNDLED_LIBTORCH.equals(libtorchVersion());
  }

  /** The libtorch version the engine reports: {@code 2.7.1} of {@code PyTorch 2.7.1}. */
  String libtorchVersion() {
    int space = engine.lastIndexOf(' ');
    return space < 0 ? engine : engine.substring(space + 1);
  }
}
