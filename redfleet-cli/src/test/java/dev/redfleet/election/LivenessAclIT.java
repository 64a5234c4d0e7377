package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An ACL user without {@code client|list}: every process says so once, and a dead generator is
 * replaced through the lease TTL path (no fast path, no false verdict).
 */
class LivenessAclIT {
  private final Fleet fleet = new Fleet(List.of("--interval-ms", "20", "--max-delay-ms", "50"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void withoutClientListTheFleetFallsBackToTheLeaseAndSaysSoOnce() {
    fleet.redis.call("ACL", "SETUSER", "fleet", "on", ">secret", "~*", "&*", "+@all", "-client|list");
    String url = "redis://fleet:secret@127.0.0.1:" + fleet.server.port();
    FleetProcess a = fleet.startVia(url);
    FleetProcess b = fleet.startVia(url);
    String token = fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(30), () -> fleet.seq() > 10);
    Waits.pause(1000);
    for (FleetProcess node : List.of(a, b)) {
      assertThat(node.logText().lines().filter(l -> l.contains("Redis refuses CLIENT LIST")).count())
          .as(node.name + ": the refusal logged once").isEqualTo(1);
    }
    long killedAt = System.nanoTime();
    fleet.node(Fleet.nodeOf(token)).kill();
    String newToken = fleet.awaitNewLeader(token, Duration.ofSeconds(15));
    long ms = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(Fleet.epochOf(newToken)).isEqualTo(Fleet.epochOf(token) + 1);
    assertThat(ms).as("takeover through the lease TTL").isGreaterThanOrEqualTo(1000);
    System.out.println("FIGURE ACL user without client|list: refusal logged once per process; takeover after "
        + ms + " ms (lease path)");
  }
}
