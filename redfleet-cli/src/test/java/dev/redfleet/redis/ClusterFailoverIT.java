package dev.redfleet.redis;

import static dev.redfleet.testing.FailoverAudit.retried;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.FailoverAudit;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;

/**
 * A fleet of three real JVMs on a Redis Cluster of three masters with one replica each; the
 * master that serves the fleet's slot is SIGKILLed mid-run and the cluster promotes its replica
 * (cluster-node-timeout 2 s). The fleet must follow (the cluster client learns the new owner of
 * the slot, the blocking connections are rebuilt), finish the run on the promoted replica, record
 * nothing twice, and let ids go backwards by at most the one produce call in flight at the kill
 * (the same window as a Sentinel failover: replication is asynchronous).
 */
class ClusterFailoverIT {
  private static final long LIMIT = 3000;

  @Test
  void aFleetFollowsTheFailoverOfItsMasterToTheReplicaAndFinishesTheRun() {
    try (ClusterRedis cluster = new ClusterRedis(1);
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(cluster.url()), "redfleet"), cluster.url(),
             java.util.List.of("--interval-ms", "3", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
                 "--max-delay-ms", "50", "--lease-ms", "3000", "--renew-ms", "500", "--retry-ms", "250",
                 "--heartbeat-ms", "250", "--stale-ms", "6000", "--block-ms", "500"))) {
      String seqKey = fleet.redis.keys.seq();
      RedisServer home = cluster.masterOf(seqKey);
      RedisServer replica = cluster.replicaOf(home);
      for (int i = 0; i < 3; i++) {
        fleet.start();
      }
      Waits.until("a third of the run", Duration.ofSeconds(60), () -> fleet.seq() > LIMIT / 3);

      long producedAtKill = fleet.redis.stat("produced");
      LocalTime killedAtClock = LocalTime.now();
      long killedAt = System.nanoTime();
      home.kill();
      Waits.until("the replica to be promoted", Duration.ofSeconds(30), () -> {
        try {
          return cluster.masterOf(seqKey) == replica;
        } catch (IllegalStateException noMasterYet) {
          return false;
        }
      });
      long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
      Waits.until("a message produced on the promoted replica", Duration.ofSeconds(30), () -> {
        try {
          return fleet.redis.stat("produced") > producedAtKill;
        } catch (Throwable notYet) {
          return false;
        }
      });
      long firstMessageMs = (System.nanoTime() - killedAt) / 1_000_000;

      try {
        Waits.until("the run to end on the promoted replica", Duration.ofSeconds(120), () -> settled(fleet));
      } catch (AssertionError notSettled) {
        throw new AssertionError(notSettled.getMessage() + "; " + state(fleet), notSettled);
      }
      Waits.pause(1500);
      assertThat(settled(fleet)).as("still settled 1.5 s later").isTrue();

      long seq = retried(() -> fleet.redis.number("GET", seqKey));
      long lost = retried(() -> FailoverAudit.idsWithoutOutcome(fleet.redis, seq));
      long duplicated = fleet.redis.stat("duplicates");
      long oldSeq;
      try (RedisServer copy = home.openCopyOfData(); TestRedis old = TestRedis.afterLoading(copy.url(), "redfleet")) {
        oldSeq = old.number("GET", seqKey);
      }
      long continuedFrom = FailoverAudit.continuedFrom(fleet.nodes().values(), killedAtClock);
      long reused = FailoverAudit.idsReused(oldSeq, continuedFrom);
      System.out.printf("FIGURE cluster-failover messages=%d kill_to_promotion_ms=%d kill_to_first_message_on_new_master_ms=%d "
              + "old_master_seq=%d new_master_continued_from=%d final_seq=%d lost=%d (of them skipped by the floors: %d) "
              + "duplicated=%d ids_reused=%d processed=%d%n",
          LIMIT, promotedMs, firstMessageMs, oldSeq, continuedFrom, seq, lost, fleet.redis.stat("ids_skipped"), duplicated, reused,
          fleet.redis.stat("processed"));

      assertThat(seq).as("the fleet produced up to its limit on the promoted replica").isEqualTo(LIMIT);
      assertThat(duplicated).as("outcomes recorded twice").isZero();
      // ids are reserved durably (WAIT for the replica) before a message carries them, as under Sentinel
      assertThat(reused).as("ids handed out twice").isZero();
      for (FleetProcess node : fleet.nodes().values()) {
        assertThat(node.alive()).as(node.name + " survived the failover").isTrue();
        assertThat(node.terminate(30)).isEqualTo(143);
      }
    }
  }

  /** What keeps the run from settling, for the failure message. */
  private static String state(Fleet fleet) {
    TestRedis redis = fleet.redis;
    StringBuilder state = new StringBuilder();
    try {
      state.append("seq=").append(redis.number("GET", redis.keys.seq())).append(" queue=")
          .append(redis.number("LLEN", redis.keys.queue()));
      for (String node : fleet.nodes().keySet()) {
        state.append(' ').append(node).append(": inflight fields ").append(redis.call("HKEYS", redis.keys.inflight(node)))
            .append(", landing ").append(redis.number("LLEN", redis.keys.landing(node)));
      }
    } catch (Throwable e) {
      state.append(" (state not readable: ").append(e).append(')');
    }
    return state.toString();
  }

  private static boolean settled(Fleet fleet) {
    TestRedis redis = fleet.redis;
    try {
      if (redis.number("GET", redis.keys.seq()) < LIMIT || redis.number("LLEN", redis.keys.queue()) > 0) {
        return false;
      }
      for (String node : fleet.nodes().keySet()) {
        if (redis.number("HLEN", redis.keys.inflight(node)) > 0 || redis.number("LLEN", redis.keys.landing(node)) > 0) {
          return false;
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }
}
