package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 2: the generator is frozen (SIGSTOP) for twice the lease TTL, another node takes over, then
 * the old one thaws (SIGCONT) still believing it leads. Every message fails on purpose
 * (error rate 1), so the errors list is a full record of each message's id, epoch and handler.
 */
class FencingIT {
  private static final long LEASE_MS = 2000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "5", "--error-rate", "1", "--max-delay-ms", "50",
      "--lease-ms", Long.toString(LEASE_MS)));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void aFrozenGeneratorThatThawsWritesNothingUnderItsOldEpochAndBecomesAWorker() {
    for (int i = 0; i < 3; i++) {
      fleet.start();
    }
    String oldToken = fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 50);
    FleetProcess old = fleet.node(Fleet.nodeOf(oldToken));
    old.signal("STOP");
    String newToken = fleet.awaitNewLeader(oldToken, Duration.ofSeconds(10));
    Waits.pause(2 * LEASE_MS);
    old.signal("CONT");
    long seqAtThaw = fleet.seq();
    Waits.until("the thawed node to step down", Duration.ofSeconds(10),
        () -> old.logText().contains("stops generating (epoch " + Fleet.epochOf(oldToken) + ")")
            || old.logText().contains("produce refused"));
    Waits.until("the thawed node to handle messages again", Duration.ofSeconds(20),
        () -> fleet.redis.number("HLEN", fleet.redis.keys.inflight(old.name)) > 0);
    Waits.pause(1000);
    assertThat(fleet.leaderToken()).isEqualTo(newToken);

    long produced = fleet.stopGeneratingAndDrain(Duration.ofSeconds(60));
    fleet.assertEveryIdRecordedOnce(produced);
    List<JsonObject> record = fleet.drainErrors();
    assertThat(record).hasSize((int) produced);
    long oldEpoch = Fleet.epochOf(oldToken);
    long firstOfNewEpoch = record.stream().filter(e -> e.getLong("epoch") > oldEpoch)
        .mapToLong(e -> e.getLong("id")).min().orElseThrow();
    long lastOfOldEpoch = record.stream().filter(e -> e.getLong("epoch") == oldEpoch)
        .mapToLong(e -> e.getLong("id")).max().orElseThrow();
    long staleAfterNew = record.stream()
        .filter(e -> e.getLong("epoch") == oldEpoch && e.getLong("id") > firstOfNewEpoch).count();
    assertThat(staleAfterNew).as("messages with the stale epoch after the new epoch began").isZero();
    assertThat(lastOfOldEpoch).isLessThan(firstOfNewEpoch);
    long handledByThawed = record.stream()
        .filter(e -> e.getString("node").equals(old.name) && e.getLong("id") > seqAtThaw).count();
    assertThat(handledByThawed).as("messages the thawed node handled as a worker").isPositive();
    System.out.println("FIGURE fencing: old epoch " + oldEpoch + " last id " + lastOfOldEpoch
        + ", new epoch " + Fleet.epochOf(newToken) + " first id " + firstOfNewEpoch
        + ", stale-epoch messages after takeover: " + staleAfterNew
        + ", messages the thawed node handled afterwards: " + handledByThawed);
  }
}
