package dev.redfleet.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-shard fencing on a real Redis (produce.lua with a shard's fence, fence.lua): a write below a
 * shard's fence is refused in the same script, on every shard, and writes nothing.
 */
class FenceScriptTest extends RedisTestBase {
  private final Shards shards = new Shards(new Keys("test"), 4);

  private Response produce(Keys shard, long epoch, int count) {
    List<Object> args = new ArrayList<>(List.of("fence", epoch, 0, 1000, "", ""));
    for (int i = 0; i < count; i++) {
      args.add("\"body-" + i + "\"");
    }
    return redis.run(Script.PRODUCE, shard.produceFenced(), args);
  }

  private long raise(Keys shard, long epoch) {
    return redis.run(Script.FENCE, List.of(shard.fence()), List.of(epoch)).toLong();
  }

  @Test
  void aNewGeneratorRaisesEveryFenceAndAStaleOneIsRefusedOnEveryShard() {
    // epoch 3 writes everywhere (its first write raises each fence to 3)
    for (Keys shard : shards.all()) {
      assertThat(produce(shard, 3, 2).get(2).toString()).isEqualTo("ok");
      assertThat(redis.string("GET", shard.fence())).isEqualTo("3");
    }
    // epoch 4 wins the lease and raises every fence before producing anywhere
    for (Keys shard : shards.all()) {
      assertThat(raise(shard, 4)).isEqualTo(4);
    }
    // the stale epoch 3 (SIGSTOPped, thawed) is refused on every shard, nothing written
    for (Keys shard : shards.all()) {
      Response r = produce(shard, 3, 5);
      assertThat(r.get(0).toLong()).isZero();
      assertThat(r.get(2).toString()).isEqualTo("fenced");
      assertThat(redis.number("LLEN", shard.queue())).isEqualTo(2);
      assertThat(redis.string("GET", shard.seq())).isEqualTo("2");
      assertThat(redis.string("GET", shard.fence())).isEqualTo("4");
    }
    // the new one writes; gap-free per shard
    for (Keys shard : shards.all()) {
      Response r = produce(shard, 4, 1);
      assertThat(r.get(2).toString()).isEqualTo("ok");
      assertThat(r.get(1).toLong()).isEqualTo(3);
    }
  }

  @Test
  void aFenceIsNeverLoweredAndAStaleRaiseSaysWhoIsNewer() {
    Keys shard = shards.shard(2);
    assertThat(raise(shard, 7)).isEqualTo(7);
    assertThat(raise(shard, 5)).isEqualTo(7);
    assertThat(redis.string("GET", shard.fence())).isEqualTo("7");
    assertThat(produce(shard, 6, 1).get(2).toString()).isEqualTo("fenced");
    assertThat(redis.number("LLEN", shard.queue())).isZero();
  }

  @Test
  void aWriteAtAHigherEpochRaisesTheFenceOnlyWithItsFirstWrite() {
    Keys shard = shards.shard(1);
    raise(shard, 2);
    // paused: nothing written, the fence stays where it was
    redis.call("SET", shard.shardPaused(), "{}");
    assertThat(produce(shard, 9, 1).get(2).toString()).isEqualTo("paused");
    assertThat(redis.string("GET", shard.fence())).isEqualTo("2");
    redis.call("DEL", shard.shardPaused());
    assertThat(produce(shard, 9, 1).get(2).toString()).isEqualTo("ok");
    assertThat(redis.string("GET", shard.fence())).isEqualTo("9");
    assertThat(produce(shard, 8, 1).get(2).toString()).isEqualTo("fenced");
  }

  @Test
  void aFenceThatIsNotANumberIsRefusedAndNothingChanges() {
    Keys shard = shards.shard(0);
    redis.call("SET", shard.fence(), "garbage");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> produce(shard, 1, 1)).hasMessageContaining("nothing was changed");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> raise(shard, 1)).hasMessageContaining("nothing was changed");
    assertThat(redis.number("LLEN", shard.queue())).isZero();
    assertThat(redis.string("GET", shard.fence())).isEqualTo("garbage");
  }
}
