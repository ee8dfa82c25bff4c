package io.moestream.moe.router;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import org.junit.jupiter.api.Test;

class DenseRouterTest {

  @Test
  void everyTokenTakesTheOneExpertWithWeightOneAndNoLoss() {
    try (ParameterStore store = new ParameterStore(NDManager.newBaseManager());
        NDManager m = store.manager().newSubManager()) {
      DenseRouter router = new DenseRouter();
      router.register(store, 0, 4, new Rng(1));
      assertThat(store.all()).isEmpty();
      assertThat(router.slots()).isEqualTo(1);

      NDArray x = m.randomNormal(new Shape(3, 4)).toType(DataType.FLOAT64, false);
      Routing r = router.route(x, store, 0, new boolean[] {true}, true, 7);
      assertThat(r.weights().getShape()).isEqualTo(new Shape(3, 1));
      assertThat(r.weights().getDataType()).isEqualTo(DataType.FLOAT64);
      assertThat(r.weights().toDoubleArray()).containsExactly(1, 1, 1);
      assertThat(r.selected().toDoubleArray()).containsExactly(1, 1, 1);
      assertThat(r.aux().getShape()).isEqualTo(new Shape());
      assertThat(r.aux().getDataType()).isEqualTo(DataType.FLOAT64);
      assertThat(r.aux().getDouble()).isZero();
      assertThat(r.auxWeight()).isZero();
      assertThat(r.auxParts()).isEmpty();
    }
  }

  @Test
  void theFactoryMapsEveryKind() {
    assertThat(Routers.create(RouterConfig.dynMoe(4, 16))).isInstanceOf(DynMoeRouter.class);
    assertThat(Routers.create(RouterConfig.topK(4, 2))).isInstanceOf(TopKRouter.class);
    assertThat(Routers.create(RouterConfig.topP(4, 0.4))).isInstanceOf(TopPRouter.class);
    assertThat(Routers.create(RouterConfig.nullExperts(4, 4, 3)))
        .isInstanceOf(NullExpertRouter.class);
    assertThat(Routers.create(RouterConfig.dense())).isInstanceOf(DenseRouter.class);
    assertThat(Routers.create(RouterConfig.nullExperts(4, 4, 3)).slots()).isEqualTo(4);
    assertThat(Routers.create(RouterConfig.dense()).slots()).isEqualTo(1);
  }
}
