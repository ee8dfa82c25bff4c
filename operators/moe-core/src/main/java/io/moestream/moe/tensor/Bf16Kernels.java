package io.moestream.moe.tensor;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether {@link Precision#BF16} runs real bfloat16 kernels or emulates their rounding in float32.
 *
 * <p>DJL 0.35.1's stock PyTorch JNI has no bfloat16 dtype: a cast to {@code DataType.BFLOAT16}
 * reaches a bare {@code throw;} in native code and terminates the JVM (no Java exception to catch).
 * So the JNI is never probed with a cast. Instead the library the process actually loaded (found in
 * {@code /proc/self/maps}) is read for the marker string that {@code docker/gpu/build-djl-jni.sh}
 * compiles into the JNI it patches ({@value #MARKER}); only then are native casts used. Decided
 * once per process and logged once. {@code -D}{@value #EMULATE_PROPERTY}{@code =true} forces
 * emulation (to compare the two on one machine); nothing forces native, since on a stock JNI that
 * kills the process.
 */
public final class Bf16Kernels {
  private static final Logger LOG = LoggerFactory.getLogger(Bf16Kernels.class);

  /** The string the patched JNI carries; see {@code docker/gpu/build-djl-jni.sh}. */
  public static final String MARKER = "moestream-djl-bf16-patch-v2";

  /** System property: {@code true} makes bf16 emulated even on a patched JNI. */
  public static final String EMULATE_PROPERTY = "moe.bf16.emulate";

  private static final String JNI_FILE = "libdjl_torch.so";

  /**
   * @param nativeKernels whether bf16 matmuls run as bfloat16 kernels
   * @param jni the loaded DJL JNI library, when found
   * @param reason one line: why native or emulated
   */
  public record Status(boolean nativeKernels, Optional<Path> jni, String reason) {
    /** {@code native} or {@code emulated}: the bench JSON's {@code precision_kernels} value. */
    public String kind() {
      return nativeKernels ? "native" : "emulated";
    }

    /** One line for a log or {@code moe doctor}. */
    public String describe() {
      return nativeKernels
          ? "native bfloat16 kernels (" + reason + ")"
          : "emulated: bfloat16 rounding in float32 kernels, bf16 numbers at fp32 speed ("
              + reason
              + ")";
    }
  }

  private static volatile Status status;

  private Bf16Kernels() {}

  /** Whether {@link Precision#BF16} may cast to bfloat16 in this process. */
  public static boolean isNative() {
    return status().nativeKernels();
  }

  /** The decision for this process (loads the engine on first use; logged once). */
  public static Status status() {
    Status s = status;
    if (s == null) {
      synchronized (Bf16Kernels.class) {
        s = status;
        if (s == null) {
          Engine.getInstance(); // loads the JNI, so that it is in the process's mappings
          s = decide(loadedJni(), Boolean.getBoolean(EMULATE_PROPERTY));
          LOG.info("bf16 matmuls: {}", s.describe());
          status = s;
        }
      }
    }
    return s;
  }

  /**
   * The decision from what was found: native only for a library that carries {@link #MARKER} and
   * when emulation is not forced.
   */
  static Status decide(Optional<Path> jni, boolean forceEmulation) {
    if (jni.isEmpty()) {
      return new Status(
          false, jni, "the loaded DJL JNI (" + JNI_FILE + ") was not found in /proc/self/maps");
    }
    Path lib = jni.get();
    boolean patched;
    try {
      patched = carriesMarker(lib);
    } catch (IOException e) {
      return new Status(false, jni, "cannot read " + lib + ": " + e.getMessage());
    }
    if (!patched) {
      return new Status(
          false,
          jni,
          "DJL's stock JNI "
              + lib
              + " has no bfloat16 dtype; docker/gpu/build-djl-jni.sh builds one that has");
    }
    if (forceEmulation) {
      return new Status(false, jni, "-D" + EMULATE_PROPERTY + "=true, JNI " + lib + " is patched");
    }
    return new Status(true, jni, "patched JNI " + lib);
  }

  /** Whether the file holds the marker's bytes (the library is a few MB: read whole). */
  static boolean carriesMarker(Path lib) throws IOException {
    byte[] data = Files.readAllBytes(lib);
    byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + marker.length <= data.length; i++) {
      for (int j = 0; j < marker.length; j++) {
        if (data[i + j] != marker[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** The DJL PyTorch JNI this process mapped (Linux), or empty. */
  static Optional<Path> loadedJni() {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return Optional.empty();
    }
    try {
      return jniIn(Files.readAllLines(maps));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The first mapped file named {@code …libdjl_torch.so} in {@code /proc/<pid>/maps} lines. */
  static Optional<Path> jniIn(List<String> mapsLines) {
    for (String line : mapsLines) {
      int slash = line.indexOf('/');
      if (slash >= 0 && line.endsWith(JNI_FILE)) {
        return Optional.of(Path.of(line.substring(slash)));
      }
    }
    return Optional.empty();
  }
}
