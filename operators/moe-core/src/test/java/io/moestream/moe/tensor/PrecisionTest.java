package io.moestream.moe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class PrecisionTest {
  /**
   * bf16 keeps 8 significant bits: each operand is off by at most 2^-9 relative (round to nearest)
   * and the product is rounded once more to bf16, so |bf16 − exact| ≤ (2·2^-9 + 2^-9) Σ|a||b| plus
   * the float32 accumulation; 2^-7 Σ|a||b| bounds all of it with room.
   */
  private static final double BF16_BOUND = Math.pow(2, -7);

  @Test
  void fp32IsExactlyThePlainMatmul() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(5, 7));
      NDArray b = m.randomNormal(new Shape(7, 3));
      NDArray got = Precision.FP32.matmul(a, b);
      assertThat(got.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(got.toFloatArray()).containsExactly(a.matMul(b).toFloatArray());
    }
  }

  @Test
  void bf16ReturnsFloat32WithinBf16RoundingOfTheExactProduct() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(16, 64));
      NDArray b = m.randomNormal(new Shape(64, 8));
      NDArray got = Precision.BF16.matmul(a, b);
      assertThat(got.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(got.getShape()).isEqualTo(new Shape(16, 8));
      float[] exact =
          a.toType(DataType.FLOAT64, false)
              .matMul(b.toType(DataType.FLOAT64, false))
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      float[] scale = a.abs().matMul(b.abs()).toFloatArray(); // Σ_k |a_ik| |b_kj|
      float[] bf = got.toFloatArray();
      boolean anyRounded = false;
      for (int i = 0; i < exact.length; i++) {
        assertThat((double) Math.abs(bf[i] - exact[i]))
            .as("element %d", i)
            .isLessThanOrEqualTo(BF16_BOUND * scale[i]);
        anyRounded |= bf[i] != exact[i];
      }
      // a path that quietly stayed float32 would be exact (to float32) everywhere
      assertThat(anyRounded).as("bf16 rounding is visible in the product").isTrue();
      for (float v : bf) {
        assertThat(Float.floatToIntBits(v) & 0xFFFF).as("%s is a bfloat16", v).isZero();
      }
    }
  }

  @Test
  void bf16MatchesAJavaReferenceOfRoundedOperands() {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 4;
      int k = 32;
      int c = 5;
      NDArray a = m.randomNormal(new Shape(n, k));
      NDArray b = m.randomNormal(new Shape(k, c));
      float[] av = a.toFloatArray();
      float[] bv = b.toFloatArray();
      float[] got = Precision.BF16.matmul(a, b).toFloatArray();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < c; j++) {
          double sum = 0;
          double scale = 0;
          for (int q = 0; q < k; q++) {
            sum += (double) bf16(av[i * k + q]) * bf16(bv[q * c + j]);
            scale += Math.abs((double) av[i * k + q] * bv[q * c + j]);
          }
          float want = bf16((float) sum);
          // emulated: one bf16 ulp (float32 accumulation order may tip a rounding); a native kernel
          // may also round partial sums to bf16 (oneDNN on a CPU with AMX: 2 ulps seen), so it is
          // held to the bound of a bf16 matmul instead
          double tolerance = Bf16Kernels.isNative() ? BF16_BOUND * scale : Math.ulp(want) * 65536;
          assertThat((double) got[i * c + j])
              .isCloseTo(want, org.assertj.core.data.Offset.offset(tolerance));
        }
      }
    }
  }

  @Test
  void roundingIsToNearestEvenAndKeepsZero() {
    try (NDManager m = NDManager.newBaseManager()) {
      // two ties (1 + 2^-8 → 1, 1 + 3·2^-8 → 1 + 2^-6), tiny and large normal values
      float[] in = {
        0f, -0f, 1f, 1.00390625f, 1.01171875f, 3.1415927f, -2.7182817f, 1e-30f, 3e33f, -65535f
      };
      float[] got = Precision.toBf16(m.create(in)).toFloatArray();
      for (int i = 0; i < in.length; i++) {
        assertThat(got[i]).as("bf16(%s)", in[i]).isEqualTo(bf16(in[i]));
      }
    }
  }

  @Test
  void roundingMatchesTheBitReferenceOnManyRandomValues() {
    java.util.Random r = new java.util.Random(5);
    float[] in = new float[20_000];
    for (int i = 0; i < in.length; i++) {
      in[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 8)); // 1e-10 … 1e10
    }
    try (NDManager m = NDManager.newBaseManager()) {
      float[] got = Precision.toBf16(m.create(in)).toFloatArray();
      for (int i = 0; i < in.length; i++) {
        assertThat(got[i]).as("bf16(%s)", in[i]).isEqualTo(bf16(in[i]));
      }
    }
  }

  @Test
  void batchMatMulIsTheMatmulOfEachGroup() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomNormal(new Shape(3, 4, 16));
      NDArray b = m.randomNormal(new Shape(3, 16, 5));
      assertThat(Precision.FP32.batchMatMul(a, b).toFloatArray())
          .containsExactly(a.batchMatMul(b).toFloatArray());
      NDArray got = Precision.BF16.batchMatMul(a, b);
      assertThat(got.getDataType()).isEqualTo(DataType.FLOAT32);
      for (int g = 0; g < 3; g++) {
        // one bf16 ulp (2^-8 relative) apart at most: a batched kernel may sum in another order
        float[] one = Precision.BF16.matmul(a.get(g), b.get(g)).toFloatArray();
        float[] batched = got.get(g).toFloatArray();
        for (int i = 0; i < one.length; i++) {
          assertThat(batched[i])
              .isCloseTo(one[i], org.assertj.core.data.Offset.offset(Math.abs(one[i]) / 128f));
        }
      }
    }
  }

  /** Round-to-nearest-even of a float's top 16 bits: the reference bfloat16 conversion. */
  private static float bf16(float f) {
    int bits = Float.floatToIntBits(f);
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return Float.intBitsToFloat(rounded & 0xFFFF0000);
  }

  @Test
  void gradientsReachTheFloat32Operands() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.randomNormal(new Shape(6, 4));
      NDArray x = m.randomNormal(new Shape(3, 6));
      w.setRequiresGradient(true);
      x.setRequiresGradient(true);
      NDArray loss = Autograd.recording(() -> Precision.BF16.matmul(x, w).sum());
      Autograd.backward(loss);
      NDArray gw = w.getGradient();
      NDArray gx = x.getGradient();
      assertThat(gw.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(gx.getDataType()).isEqualTo(DataType.FLOAT32);
      // d Σ(x w) / dw_ij = Σ_t x_ti ; d / dx_ti = Σ_j w_ij
      float[] wantW = x.sum(new int[] {0}).expandDims(1).repeat(1, 4).toFloatArray();
      float[] wantX = w.sum(new int[] {1}).expandDims(0).repeat(0, 3).toFloatArray();
      assertClose(gw.toFloatArray(), wantW, x.abs().sum().getFloat());
      assertClose(gx.toFloatArray(), wantX, w.abs().sum().getFloat());
    }
  }

  @Test
  void parsesTheCommandLineSpellings() {
    assertThat(Precision.parse("fp32")).isEqualTo(Precision.FP32);
    assertThat(Precision.parse(" BF16 ")).isEqualTo(Precision.BF16);
    assertThat(Precision.parse("bfloat16")).isEqualTo(Precision.BF16);
    assertThat(Precision.BF16.cliName()).isEqualTo("bf16");
    assertThatThrownBy(() -> Precision.parse("fp16"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown precision, expected one of: fp32, bf16");
  }

  private static void assertClose(float[] got, float[] want, float scale) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < got.length; i++) {
      assertThat((double) Math.abs(got[i] - want[i])).isLessThanOrEqualTo(BF16_BOUND * scale);
    }
  }
}
