package dev.redfleet.redis.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import org.junit.jupiter.api.Test;

/**
 * In a sharded namespace the pause is the namespace's key plus a copy in every shard, which the
 * shard's claim and produce read in their own slot: pause writes them all, resume deletes them all,
 * and either, run again, repairs what an interrupted one left.
 */
class ShardedPauseTest extends RedisTestBase {
  private static final int SHARDS = 3;

  private PauseStore pause(Shards shards) {
    return new FleetStore(new Scripts(redis.client()), shards).pause();
  }

  @Test
  void pauseWritesEveryShardsCopyAndResumeDeletesThem() {
    Shards shards = new Shards(redis.keys, SHARDS);
    PauseStore.Paused paused = TestRedis.await(pause(shards).pause("ops"));
    assertThat(paused.changed()).isTrue();
    assertThat(redis.string("GET", redis.keys.paused())).isEqualTo(paused.value());
    for (Keys shard : shards.all()) {
      assertThat(redis.string("GET", shard.shardPaused())).as(shard.dataPrefix()).isEqualTo(paused.value());
    }
    assertThat(TestRedis.await(pause(shards).resume())).isEqualTo(paused.value());
    assertThat(redis.number("EXISTS", redis.keys.paused())).isZero();
    for (Keys shard : shards.all()) {
      assertThat(redis.number("EXISTS", shard.shardPaused())).as(shard.dataPrefix()).isZero();
    }
  }

  @Test
  void runningEitherAgainRepairsAnInterruptedOne() {
    Shards shards = new Shards(redis.keys, SHARDS);
    // a pause interrupted after the namespace's key: no shard has its copy
    redis.call("SET", redis.keys.paused(), "{\"by\":\"ops\",\"at\":1}");
    PauseStore.Paused again = TestRedis.await(pause(shards).pause("someone else"));
    assertThat(again.changed()).isFalse();
    for (Keys shard : shards.all()) {
      assertThat(redis.string("GET", shard.shardPaused())).isEqualTo("{\"by\":\"ops\",\"at\":1}");
    }
    // copies left without the namespace's key (a pause interrupted before its copies were all written, then resumed by hand)
    redis.call("DEL", redis.keys.paused());
    assertThat(TestRedis.await(pause(shards).resume())).isNull();
    for (Keys shard : shards.all()) {
      assertThat(redis.number("EXISTS", shard.shardPaused())).isZero();
    }
  }

  @Test
  void withOneShardThePauseIsTheNamespacesKeyAlone() {
    PauseStore.Paused paused = TestRedis.await(pause(Shards.one(redis.keys)).pause("ops"));
    assertThat(redis.string("GET", redis.keys.paused())).isEqualTo(paused.value());
    assertThat(redis.number("DBSIZE")).isEqualTo(1);
  }
}
