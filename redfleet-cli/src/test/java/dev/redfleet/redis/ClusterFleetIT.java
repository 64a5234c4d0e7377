package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fleet of real JVMs on a real 3-master Redis Cluster (redis-cluster:// seed list): the keys
 * share one hash tag, so one master serves them all; the client follows MOVED, the scripts are
 * cached on that master by EVAL on NOSCRIPT, BLMOVE runs on its own connection to it. A generator
 * SIGKILL and a worker SIGKILL mid-run, then the audit: every id recorded exactly once.
 */
class ClusterFleetIT {
  private static final long LIMIT = 3000;

  @Test
  void aFleetRidesOutTheMigrationOfItsSlotToAnotherMaster() {
    long started = System.nanoTime();
    try (ClusterRedis cluster = new ClusterRedis();
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(cluster.url()), "redfleet"), cluster.url(),
             List.of("--interval-ms", "2", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
                 "--max-delay-ms", "200", "--heartbeat-ms", "250", "--stale-ms", "3000", "--block-ms", "500"))) {
      RedisServer home = cluster.masterOf(fleet.redis.keys.seq());
      RedisServer target = cluster.masters.stream().filter(m -> m != home).findFirst().orElseThrow();
      for (int i = 0; i < 3; i++) {
        fleet.start();
      }
      Waits.until("a third of the run", Duration.ofSeconds(60), () -> fleet.seq() > LIMIT / 3);
      long migrationStarted = System.nanoTime();
      long moved = cluster.migrateSlotOf(fleet.redis.keys.seq(), target);
      long migrationMs = (System.nanoTime() - migrationStarted) / 1_000_000;
      assertThat(cluster.masterOf(fleet.redis.keys.seq())).isSameAs(target);

      fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(180));
      fleet.assertEveryIdRecordedOnce(LIMIT);
      try (TestRedis old = new TestRedis(home.url(), "redfleet")) {
        assertThat(old.number("DBSIZE")).as("keys left on the old master").isZero();
      }
      System.out.printf("FIGURE cluster-slot-migration messages=%d keys_moved=%d migration_ms=%d processed=%d duplicates=%d total_s=%.1f%n",
          LIMIT, moved, migrationMs, fleet.redis.stat("processed"), fleet.redis.stat("duplicates"),
          (System.nanoTime() - started) / 1e9);
      for (FleetProcess node : fleet.nodes().values()) {
        // the move stays below the roles: Scripts repeats a call refused with MOVED/ASK/TRYAGAIN
        assertThat(node.logText()).as(node.name + " log").doesNotContain("MOVED").doesNotContain("TRYAGAIN")
            .doesNotContain("ASK ");
        assertThat(node.alive()).as(node.name + " alive").isTrue();
        assertThat(node.terminate(30)).isEqualTo(143);
      }
    }
  }

  @Test
  void aFleetOnAThreeMasterClusterSurvivesAGeneratorAndAWorkerKillWithACleanAudit() {
    long started = System.nanoTime();
    try (ClusterRedis cluster = new ClusterRedis();
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(cluster.url()), "redfleet"), cluster.url(),
             List.of("--interval-ms", "2", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
                 "--max-delay-ms", "200", "--lease-ms", "2000", "--renew-ms", "500", "--retry-ms", "250",
                 "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500", "--drain-ms", "3000"))) {
      RedisServer home = cluster.masterOf(fleet.redis.keys.seq());
      for (int i = 0; i < 3; i++) {
        fleet.start();
      }
      Waits.until("generation to start", Duration.ofSeconds(60), () -> fleet.seq() > 300);

      Fleet.Takeover takeover = fleet.killGeneratorAndTimeTakeover();
      fleet.start();
      String worker = fleet.nodes().entrySet().stream()
          .filter(e -> e.getValue().alive() && !e.getKey().equals(Fleet.nodeOf(fleet.leaderToken())))
          .map(e -> e.getKey()).findFirst().orElseThrow();
      Waits.until(worker + " to hold messages", Duration.ofSeconds(30), () -> fleet.held(worker) > 0);
      long heldAtKill = fleet.held(worker);
      fleet.node(worker).kill();
      fleet.start();

      fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(180));
      fleet.assertEveryIdRecordedOnce(LIMIT);

      // the fleet's keys live on one master, and only there
      try (TestRedis direct = new TestRedis(home.url(), "redfleet")) {
        assertThat(direct.number("GET", direct.keys.seq())).isEqualTo(LIMIT);
      }
      long otherKeys = 0;
      for (RedisServer m : cluster.masters) {
        if (m != home) {
          try (TestRedis other = new TestRedis(m.url(), "redfleet")) {
            otherKeys += other.number("DBSIZE");
          }
        }
      }
      assertThat(otherKeys).as("keys on the other masters").isZero();
      System.out.printf("FIGURE cluster-run masters=3 messages=%d generator_takeover_ms=%d worker_killed_holding=%d "
              + "processed=%d failed=%d duplicates=%d requeued=%d total_s=%.1f%n",
          LIMIT, takeover.millis(), heldAtKill, fleet.redis.stat("processed"), fleet.redis.stat("failed"),
          fleet.redis.stat("duplicates"), fleet.redis.stat("requeued"), (System.nanoTime() - started) / 1e9);
      for (FleetProcess node : fleet.nodes().values()) {
        if (node.alive()) {
          assertThat(node.terminate(30)).isEqualTo(143);
        }
      }
    }
  }
}
