package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.TcpProxy;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 3: a TCP proxy on loopback sits between the generator and Redis and is cut (a black hole:
 * nothing is refused, nothing arrives). The cut-off generator must stop by its own deadline, before
 * its lease can expire; another node takes over; when the link heals the old node rejoins as a
 * worker.
 */
class PartitionIT {
  private static final long LEASE_MS = 2000;
  private static final long RETRY_MS = 250;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "10", "--max-delay-ms", "100",
      "--lease-ms", Long.toString(LEASE_MS), "--retry-ms", Long.toString(RETRY_MS)));
  private TcpProxy proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    fleet.close();
  }

  @Test
  void theCutOffGeneratorStopsBeforeItsLeaseExpiresAndRejoinsAsAWorker() throws Exception {
    proxy = new TcpProxy(fleet.server.port());
    FleetProcess cutOff = fleet.startVia("redis://127.0.0.1:" + proxy.port());
    Waits.until("the proxied node to generate", Duration.ofSeconds(30),
        () -> (cutOff.name + ":1").equals(fleet.leaderToken()));
    fleet.start();
    fleet.start();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 50);
    String oldToken = fleet.leaderToken();

    LocalTime cutAt = LocalTime.now();
    long cutNanos = System.nanoTime();
    proxy.cut();
    Waits.until("the cut-off generator to step down", Duration.ofSeconds(10),
        () -> cutOff.logText().contains("stops generating"));
    LocalTime steppedDownAt = logTime(cutOff.logText(), "stops generating");
    long stepDownMs = ChronoUnit.MILLIS.between(cutAt, steppedDownAt);
    String newToken = fleet.awaitNewLeader(oldToken, Duration.ofSeconds(10));
    long takeoverMs = (System.nanoTime() - cutNanos) / 1_000_000;
    assertThat(stepDownMs).as("step-down after the cut (ms)").isLessThan(LEASE_MS);
    assertThat(Fleet.nodeOf(newToken)).isNotEqualTo(cutOff.name);
    assertThat(cutOff.logText()).contains("could not renew the lease before its local deadline");

    Waits.pause(3000);
    proxy.heal();
    long healedAt = System.nanoTime();
    Waits.until("the healed node to handle messages", Duration.ofSeconds(30),
        () -> fleet.redis.number("HLEN", fleet.redis.keys.inflight(cutOff.name)) > 0);
    long rejoinMs = (System.nanoTime() - healedAt) / 1_000_000;
    assertThat(fleet.leaderToken()).isEqualTo(newToken);
    System.out.println("FIGURE partition: generator stepped down " + stepDownMs + " ms after the cut (lease "
        + LEASE_MS + " ms); new generator " + takeoverMs + " ms after the cut; healed node handling messages "
        + rejoinMs + " ms after the heal");

    long produced = fleet.stopGeneratingAndDrain(Duration.ofSeconds(60));
    fleet.assertEveryIdRecordedOnce(produced);
  }

  /** The time stamp (HH:mm:ss.SSS, the node's log pattern) of the first log line containing {@code text}. */
  private static LocalTime logTime(String log, String text) {
    String line = log.lines().filter(l -> l.contains(text)).findFirst().orElseThrow();
    return LocalTime.parse(line.substring(0, 12));
  }
}
