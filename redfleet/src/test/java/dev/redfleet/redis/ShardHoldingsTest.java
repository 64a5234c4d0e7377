package dev.redfleet.redis;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a node holds in a shard is tracked like what it holds in the namespace: after a master
 * change, the stranded check gives back what the node's in-flight record in any shard holds and
 * the node does not (a finish the old master acknowledged and never passed on), and keeps the rest.
 */
class ShardHoldingsTest extends RedisTestBase {
  private static final String NODE = "w1";

  private static String message(long id) {
    return entry(id, 0, 1700000000000L, 1, "b" + id);
  }

  @Test
  void theStrandedCheckGivesBackWhatAShardsRecordHoldsAndTheNodeDoesNot() {
    Shards shards = new Shards(redis.keys, 3);
    Keys shard = shards.shard(1);
    redis.call("SET", shard.seq(), 5);
    for (long id = 1; id <= 5; id++) {
      redis.call("LPUSH", shard.queue(), message(id));
    }
    Scripts node = new Scripts(redis.client(), 0, 1000, new Floors(redis.keys, Floors.Settings.node(NODE, 250, 3000)),
        new Holdings());
    // the node's own claim of three, through its runner
    Response mine = TestRedis.await(node.run(Script.CLAIM, shard.claim(NODE), List.of(NODE, 3, 0, "1.1:1")));
    assertThat(mine.get(0).size()).isEqualTo(3);
    assertThat(node.holdings().size()).isEqualTo(3);
    // what the record also holds and the node knows nothing of: a claim whose finish the new master lost
    redis.run(Script.CLAIM, shard.claim(NODE), List.of(NODE, 2, 0, "1.1:0"));
    assertThat(redis.string("HGET", shard.inflight(NODE), "|held")).isEqualTo("5");

    FleetStore store = new FleetStore(node, shards);
    long moved = TestRedis.await(node.holdings().requeueStranded(redis.vertx(), keep -> store.nodes().requeueStranded(NODE, keep)));

    assertThat(moved).isEqualTo(2);
    assertThat(redis.string("HGET", shard.inflight(NODE), "|held")).isEqualTo("3");
    assertThat(redis.number("LLEN", shard.queue())).isEqualTo(2);
  }
}
