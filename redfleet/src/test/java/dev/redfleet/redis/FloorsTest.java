package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Redis that comes back with less than it had acknowledged (here: a restart without
 * persistence, the same effect as a Sentinel promoting a replica that missed the last writes):
 * the seq and the epoch continue above what this process had seen, never below.
 */
class FloorsTest {

  @Test
  void seqAndEpochNeverGoBackwardsForAProcessThatSawHigherValues() {
    try (RedisServer server = RedisServer.start(); TestRedis test = new TestRedis(server.url(), "floors")) {
      // the scripts of a fleet member, as FleetNode gets them
      Fleetlike redis = new Fleetlike(RedisConnector.create(test.vertx(), server.url())
          .scripts(test.client(), test.keys, Floors.Settings.node("n", 250, 3000)), test.keys);
      // like the election: an acquire refused while the fleet settles on the new dataset is tried again
      long epoch = retried(() -> acquire(redis));
      assertThat(produce(redis, "n:" + epoch, epoch, 40).get(1).toLong()).isEqualTo(40);

      server.kill();
      server.restart();   // empty: seq, epoch and lease are gone

      long newEpoch = retried(() -> acquire(redis));
      assertThat(newEpoch).as("epoch after the loss").isGreaterThan(epoch);
      Response r = produce(redis, "n:" + newEpoch, newEpoch, 5);
      assertThat(r.get(1).toLong()).as("last id after the loss").isEqualTo(45);
      assertThat(test.number("GET", test.keys.seq())).isEqualTo(45);
    }
  }

  /**
   * With a replica and waitReplicas 1 every id-handing call goes with a WAIT (in one batch): the
   * guard's refusals come back as "ERR [0] FLOORS ..." and must still be understood. Ids are handed
   * out under a ceiling the replica has.
   */
  @Test
  void withAReplicaIdsComeFromACeilingTheReplicaHas() {
    try (RedisServer master = RedisServer.start();
         RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
         TestRedis test = new TestRedis(master.url(), "floors");
         TestRedis onReplica = new TestRedis(replica.url(), "floors")) {
      dev.redfleet.testing.Waits.until("the replica to sync", java.time.Duration.ofSeconds(20),
          () -> onReplica.string("INFO", "replication").contains("master_link_status:up"));
      Scripts scripts = new Scripts(test.client(), 1, 1000, new Floors(test.keys, Floors.Settings.node("n", 250, 3000)),
          new Holdings());
      Fleetlike redis = new Fleetlike(scripts, test.keys);
      long epoch = retried(() -> acquire(redis));
      assertThat(scripts.floors().replicas()).isEqualTo(1);
      assertThat(produce(redis, "n:" + epoch, epoch, 5).get(1).toLong()).isEqualTo(5);
      long ceiling = onReplica.number("HGET", test.keys.dataset(), "ceiling");
      assertThat(ceiling).as("the replica has the ceiling the ids came from").isGreaterThanOrEqualTo(5);
    }
  }

  /**
   * Like the fleet's roles: a call on a connection the restart broke fails once, then works; an
   * acquire is refused until the node's floors are raised on the new dataset (the settle).
   */
  private static <T> T retried(java.util.concurrent.Callable<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.call();
      } catch (Throwable e) {
        if (attempt == 50) {
          throw new AssertionError(e);
        }
        dev.redfleet.testing.Waits.pause(100);
      }
    }
  }

  /** Runs scripts through a fleet member's {@link Scripts}, with the test's keys. */
  private record Fleetlike(Scripts scripts, dev.redfleet.redis.Keys keys) {
    Response run(Script script, List<String> keys, List<?> args) {
      return TestRedis.await(scripts.run(script, keys, args));
    }
  }

  private static long acquire(Fleetlike redis) {
    Response r = redis.run(Script.ACQUIRE_LEASE, List.of(redis.keys.leader(), redis.keys.epoch()), List.of("n", 10_000));
    assertThat(r.get(0).toInteger()).isEqualTo(1);
    return r.get(1).toLong();
  }

  private static Response produce(Fleetlike redis, String token, long epoch, int count) {
    List<Object> args = new ArrayList<>(List.of(token, epoch, 0, 1_000_000, "", ""));
    for (int i = 0; i < count; i++) {
      args.add("\"b\"");
    }
    return redis.run(Script.PRODUCE, redis.keys.produce(), args);
  }
}
