package io.moestream.moe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Constants are made once per key and device, outlive the step (scope) that first asked for them,
 * and the cache stops growing at its limit.
 */
class ConstantTensorsTest {

  @BeforeEach
  void startEmpty() {
    ConstantTensors.forget(); // constants earlier tests made would prove nothing here
  }

  @Test
  void aScalarIsMadeOnceAndOutlivesTheScopeThatMadeIt() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.ones(new Shape(2), DataType.FLOAT32);
      NDArray first;
      try (NDScope scope = new NDScope()) {
        first = Scalars.like(x, 0.3173);
      }
      assertThat(first.isReleased()).as("a constant survives the scope").isFalse();
      assertThat(Scalars.like(x, 0.3173)).isSameAs(first);
      assertThat(Scalars.like(x, 0.25)).isNotSameAs(first);
      assertThat(first.getShape()).isEqualTo(new Shape());
      assertThat(first.getFloat()).isEqualTo(0.3173f);
      assertThat(ConstantTensors.size()).isEqualTo(2);
      NDArray y = m.ones(new Shape(2), DataType.FLOAT64);
      assertThat(Scalars.like(y, 0.3173).getDataType()).isEqualTo(DataType.FLOAT64);
    }
  }

  @Test
  void pastItsLimitTheCacheMakesConstantsInTheCallersManager() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 0; i < ConstantTensors.LIMIT + 10; i++) {
        int n = i;
        NDArray c =
            ConstantTensors.get(
                m.getDevice(), m, List.of("test", n), owner -> owner.create((float) n));
        assertThat(c.getFloat()).isEqualTo((float) n);
      }
      assertThat(ConstantTensors.size()).isEqualTo(ConstantTensors.LIMIT);
      NDArray late =
          ConstantTensors.get(m.getDevice(), m, List.of("test", -1), owner -> owner.create(-1f));
      assertThat(late.getManager()).isSameAs(m);
    } finally {
      ConstantTensors.forget(); // the other tests in this JVM get a working cache back
    }
  }
}
