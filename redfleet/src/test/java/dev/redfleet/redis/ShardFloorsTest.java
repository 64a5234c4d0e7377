package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * In a sharded namespace each shard's master can fail over, or lose data, alone. A shard's ids and
 * its fence must then not go backwards either: each shard has its own floors (dataset marker, seq
 * floor, the shared epoch floor as its fence), checked on its own keys.
 *
 * <p>The loss is made by deleting one shard's keys, which is what a shard's master failing over to
 * an empty replica looks like to the fleet: the namespace's keys, on another master, keep
 * everything.
 */
class ShardFloorsTest {
  private static final Floors.Settings A = Floors.Settings.node("a", 250, 3000);
  private static final Floors.Settings B = Floors.Settings.node("b", 250, 3000);

  @Test
  void aShardThatLostItsDataHandsOutNoIdTwiceAndRefusesAStaleGenerator() {
    try (RedisServer server = RedisServer.start(); TestRedis test = new TestRedis(server.url(), "shardfloors")) {
      Shards shards = new Shards(test.keys, 3);
      Keys shard = shards.shard(1);
      Scripts a = member(test, A);
      Scripts b = member(test, B);
      // b is the generator first, then its lease lapses and a takes over with a higher epoch
      long staleEpoch = acquire(b, test.keys, "b");
      test.call("DEL", test.keys.leader());
      long epoch = acquire(a, test.keys, "a");
      assertThat(epoch).isGreaterThan(staleEpoch);
      assertThat(produce(b, shard, staleEpoch, 5).get(1).toLong()).isEqualTo(5);
      assertThat(produce(a, shard, epoch, 5).get(1).toLong()).isEqualTo(10);
      assertThat(test.number("GET", shard.fence())).isEqualTo(epoch);

      // the shard's master fails over to an empty replica: its keys are gone, the namespace's are not
      test.call("DEL", shard.seq(), shard.fence(), shard.queue(), shard.dataset(), shard.floored(), shard.stats());
      // the node's periodic check (FloorsVerticle) on the shard
      Floors.Check check = TestRedis.await(a.floors().shard(shard).check(a));
      assertThat(check.change()).as("the shard's check sees the loss").isEqualTo("lost");
      assertThat(test.number("GET", shard.seq())).as("the shard's seq raised to what a had seen").isEqualTo(10);
      assertThat(test.number("GET", shard.fence())).as("the shard's fence raised to a's epoch").isEqualTo(epoch);

      // the stale generator, which still writes with its old epoch, is fenced on the shard
      Response stale = produce(b, shard, staleEpoch, 5);
      assertThat(stale.get(2).toString()).as("the stale generator's produce").isEqualTo("fenced");
      // and the current one goes on above every id the shard had handed out
      Response next = produce(a, shard, epoch, 5);
      assertThat(next.get(1).toLong()).as("the shard's last id after the loss").isEqualTo(15);
      assertThat(test.number("LLEN", shard.queue())).isEqualTo(5);
      // the namespace's dataset was not touched: no change there
      assertThat(TestRedis.await(a.floors().check(a)).change()).isEmpty();
    }
  }

  /**
   * A shard whose master has a replica hands out ids only under a ceiling that replica has
   * acknowledged, kept in the shard's own dataset hash: the replica, once promoted, continues
   * above every id the old master could have handed out.
   */
  @Test
  void aShardsIdsComeFromACeilingItsMastersReplicaHas() {
    try (RedisServer master = RedisServer.start();
         RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
         TestRedis test = new TestRedis(master.url(), "shardfloors");
         TestRedis onReplica = new TestRedis(replica.url(), "shardfloors")) {
      Waits.until("the replica to sync", Duration.ofSeconds(20),
          () -> onReplica.string("INFO", "replication").contains("master_link_status:up"));
      Keys shard = new Shards(test.keys, 3).shard(2);
      Scripts a = member(test, A);
      long epoch = acquire(a, test.keys, "a");
      assertThat(produce(a, shard, epoch, 5).get(1).toLong()).isEqualTo(5);
      assertThat(a.floors().shard(shard).replicas()).as("the shard's master's replicas").isEqualTo(1);
      long ceiling = onReplica.number("HGET", shard.dataset(), "ceiling");
      assertThat(ceiling).as("the replica has the shard's ceiling the ids came from").isGreaterThanOrEqualTo(5);
    }
  }

  /**
   * A shard of a namespace made before shards had their own markers has ids and no marker: a node
   * that saw no id above what is there finds a new dataset, not a lost one; a node that saw more
   * finds the loss.
   */
  @Test
  void aShardWithoutAMarkerIsLostOnlyForANodeThatSawMoreThanItHas() {
    try (RedisServer server = RedisServer.start(); TestRedis test = new TestRedis(server.url(), "shardfloors")) {
      Keys shard = new Shards(test.keys, 3).shard(0);
      test.call("SET", shard.seq(), 5);
      assertThat(floors(test, shard, 5).get(6).toString()).as("a node that saw id 5").isEqualTo("new");
      test.call("DEL", shard.dataset());
      assertThat(floors(test, shard, 7).get(6).toString()).as("a node that saw id 7").isEqualTo("lost");
      assertThat(test.number("GET", shard.seq())).isEqualTo(7);
    }
  }

  /** floors.lua on a shard's keys, as a node that knows no marker there and has {@code seqFloor} and epoch floor 3. */
  private static Response floors(TestRedis test, Keys shard, long seqFloor) {
    return test.run(Script.FLOORS, shard.floors(), List.of("n1", "", "marker", seqFloor, 3, 500, 3000, "fence"));
  }

  private static Scripts member(TestRedis test, Floors.Settings settings) {
    return new Scripts(test.client(), 0, 1000, new Floors(test.keys, settings), new Holdings());
  }

  /** The lease, as the election takes it: an acquire refused while the fleet settles is tried again. */
  private static long acquire(Scripts scripts, Keys keys, String node) {
    for (int attempt = 1; ; attempt++) {
      try {
        Response r = TestRedis.await(scripts.run(Script.ACQUIRE_LEASE, List.of(keys.leader(), keys.epoch()),
            List.of(node, 10_000)));
        assertThat(r.get(0).toInteger()).isEqualTo(1);
        return r.get(1).toLong();
      } catch (Throwable settling) {
        // a vert.x Redis error reply is a Throwable, not an exception
        if (attempt == 50) {
          throw new AssertionError(settling);
        }
        Waits.pause(100);
      }
    }
  }

  /** A generator's produce on a shard: fenced by the shard's fence. */
  private static Response produce(Scripts scripts, Keys shard, long epoch, int count) {
    List<Object> args = new ArrayList<>(List.of("fence", epoch, 0, 1_000_000, "", ""));
    for (int i = 0; i < count; i++) {
      args.add("\"b\"");
    }
    return TestRedis.await(scripts.run(Script.PRODUCE, shard.produceFenced(), args));
  }
}
