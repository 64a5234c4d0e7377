package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * waitReplicas without the replicas: a durable write (finish here) never stalls waitTimeoutMs for
 * a WAIT that cannot succeed. Before, with no replica connected, one write every 5 s waited the
 * whole waitTimeoutMs (1 s by default) before the runner went on without WAIT.
 */
class WaitWithoutReplicasTest {
  private static final int WAIT_TIMEOUT_MS = 2000;

  private static Scripts runner(TestRedis test, int waitReplicas) {
    Scripts scripts = new Scripts(test.client(), waitReplicas, WAIT_TIMEOUT_MS,
        new Floors(test.keys, Floors.Settings.node("n", 250, 3000)), new Holdings());
    // what a node's FloorsVerticle does every heartbeatMs: learn the dataset, the server, its replicas
    TestRedis.await(scripts.floors().check(scripts));
    return scripts;
  }

  /** The longest of {@code count} durable writes (an empty finish: the WAIT goes with it all the same), in ms. */
  private static long slowestWrite(Scripts scripts, TestRedis test, int count) {
    long slowest = 0;
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      TestRedis.await(scripts.run(Script.FINISH, test.keys.finish("n"), List.of("n", 1, 1000, 60_000, 7)));
      slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
    }
    return slowest;
  }

  @Test
  void withNoReplicaConnectedDurableWritesDoNotWait() {
    try (RedisServer master = RedisServer.start(); TestRedis test = new TestRedis(master.url(), "wait")) {
      Scripts scripts = runner(test, 1);
      assertThat(scripts.floors().replicas()).isZero();
      long slowest = slowestWrite(scripts, test, 5);
      System.out.println("FIGURE waitReplicas 1, no replica: slowest of 5 durable writes " + slowest + " ms");
      assertThat(slowest).as("slowest write (ms); a WAIT would take " + WAIT_TIMEOUT_MS).isLessThan(WAIT_TIMEOUT_MS / 2);
      assertThat(TestRedis.await(test.client().send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.INFO)
          .arg("commandstats"))).toString()).as("no WAIT was sent").doesNotContain("cmdstat_wait:");
    }
  }

  @Test
  void withFewerReplicasThanAskedDurableWritesWaitForTheConnectedOnes() {
    try (RedisServer master = RedisServer.start();
         RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
         TestRedis test = new TestRedis(master.url(), "wait");
         TestRedis onReplica = new TestRedis(replica.url(), "wait")) {
      Waits.until("the replica to sync", Duration.ofSeconds(20),
          () -> onReplica.string("INFO", "replication").contains("master_link_status:up"));
      Scripts scripts = runner(test, 2);
      assertThat(scripts.floors().replicas()).isEqualTo(1);
      long slowest = slowestWrite(scripts, test, 5);
      System.out.println("FIGURE waitReplicas 2, one replica: slowest of 5 durable writes " + slowest + " ms");
      assertThat(slowest).as("slowest write (ms); a WAIT for 2 would take " + WAIT_TIMEOUT_MS).isLessThan(WAIT_TIMEOUT_MS / 2);
      String stats = test.string("INFO", "commandstats");
      // each write waited for the connected replica (the first twice: NOSCRIPT, then EVAL with its WAIT)
      assertThat(stats).as("each write waited for the connected replica").containsPattern("cmdstat_wait:calls=[56],");
    }
  }
}
