package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenBufferTest {
  @Test
  void windowsAreCutInArrivalOrderAndTakeTheModalityOfTheirFirstToken() {
    TokenBuffer b = new TokenBuffer(null, null);
    b.append(new int[] {1, 2, 3}, 0); // prose
    b.append(new int[] {4, 5, 6, 7, 8}, 1); // code
    assertThat(b.hasBatch(2, 3)).isTrue();
    TokenBuffer.Batch batch = b.takeBatch(2, 3);
    assertThat(batch.tokens()).isEqualTo(new int[][] {{1, 2, 3}, {4, 5, 6}});
    assertThat(batch.rowModality()).containsExactly(0, 1);
    assertThat(b.snapshot()).containsExactly(7, 8);
    assertThat(b.modalitySnapshot()).containsExactly(1, 1);
  }

  @Test
  void aWindowSpanningTwoRecordsBelongsToTheFirst() {
    TokenBuffer b = new TokenBuffer(null, null);
    b.append(new int[] {1, 2}, 1);
    b.append(new int[] {3, 4}, 0);
    assertThat(b.takeBatch(1, 3).rowModality()).containsExactly(1);
    assertThat(b.modalitySnapshot()).containsExactly(0);
  }

  @Test
  void restoresTokensWithTheirModalitiesOrAllDefaultFromOlderState() {
    TokenBuffer b = new TokenBuffer(new int[] {9, 8, 7}, new int[] {2, 2, 0});
    b.append(new int[] {6}, 1);
    assertThat(b.takeBatch(2, 2).rowModality()).containsExactly(2, 0);
    TokenBuffer old = new TokenBuffer(new int[] {9, 8}, null);
    assertThat(old.modalitySnapshot()).containsExactly(0, 0);
    assertThatThrownBy(() -> new TokenBuffer(new int[] {1, 2}, new int[] {0}))
        .isInstanceOf(IllegalStateException.class);
  }
}
