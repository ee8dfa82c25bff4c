package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChangedSlotsTest {
  @Test
  void aFreshModelHasEveryStoredSlotToWriteOnce() {
    ChangedSlots c = ChangedSlots.all(2, 3);
    assertThat(c.take()).isEqualTo(new boolean[][] {{true, true, true}, {true, true, true}});
    assertThat(c.take()).isEqualTo(new boolean[][] {{false, false, false}, {false, false, false}});
  }

  @Test
  void marksAccumulateUntilTakenThenStartAfresh() {
    ChangedSlots c = ChangedSlots.none(2, 3);
    c.markActive(new boolean[][] {{true, false, false}, {false, false, true}});
    c.markActive(new boolean[][] {{false, true, false}, {false, false, false}}); // spawned slot
    assertThat(c.take()).isEqualTo(new boolean[][] {{true, true, false}, {false, false, true}});
    c.markActive(new boolean[][] {{false, false, true}, {false, false, false}});
    assertThat(c.take()).isEqualTo(new boolean[][] {{false, false, true}, {false, false, false}});
  }
}
