package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which shard a verticle serves next when its own came back empty: one with messages waiting, the longer the likelier. */
class ShardPickTest {

  @Test
  void aShardWithMessagesWaitingIsPickedAndAnEmptyOneNever() {
    for (int i = 0; i < 1000; i++) {
      assertThat(ShardChoice.pick(new long[] {0, 0, 5, 0}, 1)).isEqualTo(2);
      assertThat(ShardChoice.pick(new long[] {3, -1, 0, 4}, 1)).isIn(0, 3);
    }
  }

  @Test
  void everyQueueEmptyOrUnreadableGivesTheFallback() {
    assertThat(ShardChoice.pick(new long[] {0, 0, 0}, 2)).isEqualTo(2);
    assertThat(ShardChoice.pick(new long[] {-1, -1}, 0)).isEqualTo(0);
  }

  @Test
  void theDrawFollowsTheQueuesLengthsSoVerticlesDoNotAllGoToTheLongest() {
    int[] picked = new int[3];
    for (int i = 0; i < 30_000; i++) {
      picked[ShardChoice.pick(new long[] {100, 200, 0}, 2)]++;
    }
    // expected 10,000 and 20,000; a strict "longest" would give 0 and 30,000
    assertThat(picked[0]).isBetween(9_000, 11_000);
    assertThat(picked[1]).isBetween(19_000, 21_000);
    assertThat(picked[2]).isZero();
  }
}
