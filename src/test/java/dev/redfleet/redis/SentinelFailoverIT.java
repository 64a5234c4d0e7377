package dev.redfleet.redis;

import static dev.redfleet.testing.FailoverAudit.retried;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FailoverAudit;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.SentinelRedis;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fleet of three real JVMs on master + replica + 3 sentinels; the master is SIGKILLed mid-run.
 * The fleet must follow the failover (pooled and blocking connections), finish the run on the new
 * master, and the figures are printed: time from the kill to the first message produced on the
 * new master, messages lost, outcomes duplicated, ids reused; once without and once with
 * {@code --wait-replicas 1}. Ids never go backwards (seq floors), and nothing is recorded twice.
 */
class SentinelFailoverIT {
  private static final long LIMIT = 3000;

  @Test
  void theFleetFollowsAKilledMasterWithoutTheAcknowledgementOption() {
    failover(0);
  }

  @Test
  void theFleetFollowsAKilledMasterWithWaitReplicas() {
    failover(1);
  }

  private void failover(int waitReplicas) {
    try (SentinelRedis redis = new SentinelRedis();
         TestRedis replica = new TestRedis(redis.replica.url(), "redfleet");
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(redis.url()), "redfleet"), redis.url(),
             List.of("--interval-ms", "3", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
                 "--max-delay-ms", "50", "--lease-ms", "3000", "--renew-ms", "500", "--retry-ms", "250",
                 "--heartbeat-ms", "250", "--stale-ms", "6000", "--block-ms", "500",
                 "--wait-replicas", Integer.toString(waitReplicas), "--wait-timeout-ms", "1000"))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.start());
      }
      Waits.until("a third of the run", Duration.ofSeconds(60),
          () -> retried(() -> replica.number("GET", replica.keys.seq())) > LIMIT / 3);

      java.time.LocalTime killedAtClock = java.time.LocalTime.now();
      long killedAt = System.nanoTime();
      redis.master.kill();
      // the promoted replica drops its clients (CLIENT KILL): the test's reads retry like the fleet does
      long producedAtKill = retried(() -> replica.stat("produced"));
      Waits.until("a message produced on the new master", Duration.ofSeconds(30), () -> {
        try {
          return replica.stat("produced") > producedAtKill;
        } catch (Throwable notYet) {
          return false;
        }
      });
      long firstMessageMs = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(retried(redis::masterPort)).isEqualTo(redis.replica.port());

      // the run ends on the new master: every id handed out, nothing queued, landed or in flight
      Waits.until("the run to end on the new master", Duration.ofSeconds(120), () -> settled(replica, nodes));
      Waits.pause(1500);
      assertThat(settled(replica, nodes)).as("still settled 1.5 s later").isTrue();

      long seq = retried(() -> replica.number("GET", replica.keys.seq()));
      long lost = retried(() -> FailoverAudit.idsWithoutOutcome(replica, seq));
      long duplicated = replica.stat("duplicates");
      long oldSeq;
      try (TestRedis old = redis.openKilledMaster("redfleet")) {
        oldSeq = old.number("GET", old.keys.seq());
      }
      // the first produce on the new master: the lowest id a produce continued from after the kill
      long continuedFrom = FailoverAudit.continuedFrom(nodes, killedAtClock);
      long reused = FailoverAudit.idsReused(oldSeq, continuedFrom);
      System.out.printf("FIGURE sentinel-failover waitReplicas=%d messages=%d kill_to_first_message_on_new_master_ms=%d "
              + "old_master_seq=%d new_master_continued_from=%d final_seq=%d lost=%d duplicated=%d ids_reused=%d processed=%d%n",
          waitReplicas, LIMIT, firstMessageMs, oldSeq, continuedFrom, seq, lost, duplicated, reused, replica.stat("processed"));

      assertThat(seq).as("the fleet produced up to its limit on the new master").isEqualTo(LIMIT);
      assertThat(duplicated).as("outcomes recorded twice").isZero();
      // The one window asynchronous replication leaves, with or without WAIT: the produce call in
      // flight when the master died (at interval 3 ms: one message) may have been applied by the
      // dying master and never acknowledged to anyone. Its generator raises its floor past it, but
      // when the generator changes during the failover (its lease ran out while the master was
      // gone), the new one cannot know of it and hands that id out again. Never more than that.
      assertThat(reused).as("ids handed out twice").isLessThanOrEqualTo(1);
      assertThat(firstMessageMs).as("kill to first message on the new master").isLessThan(30_000);
      for (FleetProcess node : nodes) {
        assertThat(node.alive()).as(node.name + " survived the failover").isTrue();
        assertThat(node.terminate(30)).isEqualTo(143);
      }
    }
  }

  private static boolean settled(TestRedis redis, List<FleetProcess> nodes) {
    try {
      if (redis.number("GET", redis.keys.seq()) < LIMIT || redis.number("LLEN", redis.keys.queue()) > 0) {
        return false;
      }
      for (FleetProcess node : nodes) {
        if (redis.number("HLEN", redis.keys.inflight(node.name)) > 0 || redis.number("LLEN", redis.keys.landing(node.name)) > 0) {
          return false;
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }
}
