package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A generator whose connection drops while its process lives (Redis kills its anchor connection,
 * as a network blip would): it reconnects and either keeps the lease, re-bound to its new
 * connection, or a follower took over first and the old generator is fenced and steps down. Never
 * two writers: ordered by id, no message carries an older epoch than an earlier one, and each blip
 * changes the leader at most once.
 */
class LeaderBlipIT {
  private static final int BLIPS = 5;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "5", "--error-rate", "1", "--max-delay-ms", "20"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void aGeneratorThatLostItsConnectionKeepsTheLeaseOrStepsDownNeverTwoWriters() {
    for (int i = 0; i < 3; i++) {
      fleet.startJoined();
    }
    fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 20);
    List<String> outcomes = new ArrayList<>();
    for (int blip = 1; blip <= BLIPS; blip++) {
      Waits.until("the lease bound to a connection", Duration.ofSeconds(10), () -> {
        String bound = fleet.redis.string("GET", fleet.redis.keys.leaderAnchor());
        return bound != null && bound.startsWith(fleet.leaderToken() + "|");
      });
      String token = fleet.leaderToken();
      String bound = fleet.redis.string("GET", fleet.redis.keys.leaderAnchor());
      String anchor = bound.substring(bound.indexOf('|') + 1);
      FleetProcess leader = fleet.node(Fleet.nodeOf(token));
      fleet.redis.call("CLIENT", "KILL", "ID", anchor.substring(0, anchor.indexOf('@')));
      Waits.pause(3000);
      String now = fleet.leaderToken();
      assertThat(leader.alive()).isTrue();
      if (now.equals(token)) {
        String rebound = fleet.redis.string("GET", fleet.redis.keys.leaderAnchor());
        assertThat(rebound).as("the lease re-bound to the leader's new connection").startsWith(token + "|")
            .isNotEqualTo(bound);
        outcomes.add("kept");
      } else {
        assertThat(Fleet.epochOf(now)).as("one leader change per blip").isEqualTo(Fleet.epochOf(token) + 1);
        Waits.until("the old generator to step down", Duration.ofSeconds(10),
            () -> leader.logText().contains("stops generating (epoch " + Fleet.epochOf(token) + ")"));
        outcomes.add("taken over");
      }
    }
    long produced = fleet.stopGeneratingAndDrain(Duration.ofSeconds(90));
    fleet.assertEveryIdRecordedOnce(produced);
    List<JsonObject> record = new ArrayList<>(fleet.drainErrors());
    record.sort(Comparator.comparingLong(e -> e.getLong("id")));
    long stale = 0;
    long highest = 0;
    for (JsonObject e : record) {
      stale += e.getLong("epoch") < highest ? 1 : 0;
      highest = Math.max(highest, e.getLong("epoch"));
    }
    System.out.println("FIGURE generator connection killed x" + BLIPS + ": " + outcomes + "; " + produced
        + " messages, stale-epoch messages: " + stale);
    assertThat(stale).isZero();
  }
}
