package dev.redfleet.redis.store;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.TestRedis;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The reaper's connection-bound requeue of a dead node in a sharded namespace on a real 3-master
 * Redis Cluster: the node's registration (under the namespace's tag) and its holdings (under each
 * shard's, on other masters) are in different slots, so no one script can see both. The
 * registration is checked first; only when it still names the dead connection does every shard
 * hand back what the node held.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardedReapTest {
  private static final String NODE = "w1";
  private static final String DEAD = "17@dead";

  private ClusterRedis cluster;
  private TestRedis redis;
  private Shards shards;

  @BeforeAll
  void startCluster() {
    cluster = new ClusterRedis();
    redis = new TestRedis(RedisConnectionOptions.parse(cluster.url()), "reap");
    shards = new Shards(redis.keys, 6);
  }

  @AfterAll
  void stopCluster() {
    if (redis != null) {
      redis.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void empty() {
    for (var master : cluster.masters) {
      try (TestRedis one = new TestRedis(master.url(), "reap")) {
        one.call("FLUSHALL");
      }
    }
  }

  @Test
  void aDeadNodesHoldingsInEveryShardGoBackOnceItsRegistrationIsCheckedInTheNamespace() {
    long held = holdInEveryShard(2);
    NodeStore nodes = new FleetStore(new Scripts(redis.client()), shards).nodes();

    NodeStore.Requeued r = TestRedis.await(nodes.requeueDead(NODE, Long.MAX_VALUE / 4, DEAD, ""));

    assertThat(r.moved()).as("messages handed back over the shards").isEqualTo(held);
    for (Keys shard : shards.all()) {
      assertThat(redis.held(shard, NODE)).as("held in " + shard.dataPrefix()).isZero();
      assertThat(redis.number("LLEN", shard.queue())).as("queue of " + shard.dataPrefix()).isEqualTo(2);
    }
    assertThat(redis.string("HGET", redis.keys.anchors(), NODE)).as("the dead registration is removed").isNull();
  }

  @Test
  void aRegistrationThatNoLongerNamesTheDeadConnectionMovesNothing() {
    long held = holdInEveryShard(2);
    // the id was taken meanwhile by a process with another connection
    redis.call("HSET", redis.keys.anchors(), NODE, "18@alive");
    NodeStore nodes = new FleetStore(new Scripts(redis.client()), shards).nodes();

    NodeStore.Requeued r = TestRedis.await(nodes.requeueDead(NODE, Long.MAX_VALUE / 4, DEAD, ""));

    assertThat(r.moved()).as("refused: the registration changed").isEqualTo(-2);
    long stillHeld = 0;
    for (Keys shard : shards.all()) {
      stillHeld += redis.held(shard, NODE);
    }
    assertThat(stillHeld).isEqualTo(held);
    assertThat(redis.string("HGET", redis.keys.anchors(), NODE)).isEqualTo("18@alive");
  }

  /** NODE is a member registered with DEAD and has claimed {@code perShard} messages in every shard. */
  private long holdInEveryShard(int perShard) {
    redis.call("ZADD", redis.keys.nodes(), 1, NODE);
    redis.call("HSET", redis.keys.anchors(), NODE, DEAD);
    long held = 0;
    for (Keys shard : shards.all()) {
      redis.call("SET", shard.seq(), perShard);
      for (long id = 1; id <= perShard; id++) {
        redis.call("LPUSH", shard.queue(), entry(id, 0, 1700000000000L, 1, "b"));
      }
      redis.run(Script.CLAIM, shard.claim(NODE), List.of(NODE, perShard, 0, "1.1:" + held));
      held += redis.held(shard, NODE);
    }
    assertThat(held).isEqualTo(perShard * shards.count());
    return held;
  }
}
