package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 1: the generator SIGKILLed 20 times; takeover time measured, ids gap-free and unrepeated.
 * With default settings the followers notice within livenessMs (50) that the dead generator's
 * connection is gone and take over at once (target p99 300 ms); before, they waited for the lease
 * TTL (p50 about 2,060 ms).
 */
class GeneratorFailoverIT {
  private static final int TRIALS = 20;
  private static final long LEASE_MS = 2000;
  private static final long RETRY_MS = 250;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "20", "--max-delay-ms", "100",
      "--lease-ms", Long.toString(LEASE_MS), "--renew-ms", "500", "--retry-ms", Long.toString(RETRY_MS)));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void aDeadGeneratorIsReplacedWithinMillisecondsAndIdsContinue() {
    for (int i = 0; i < 3; i++) {
      fleet.startJoined();
    }
    fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 10);
    List<Long> takeovers = new ArrayList<>();
    for (int trial = 1; trial <= TRIALS; trial++) {
      Fleet.Takeover takeover = fleet.killGeneratorAndTimeTakeover();
      takeovers.add(takeover.millis());
      // one new epoch per takeover: nobody else got the lease in between
      assertThat(Fleet.epochOf(takeover.newToken())).isEqualTo(Fleet.epochOf(takeover.oldToken()) + 1);
      // a JVM takes seconds to start on a busy machine: the next kill waits until the replacement
      // has joined, so that two followers are always running
      fleet.startJoined();
    }
    List<Long> sorted = takeovers.stream().sorted().toList();
    long p50 = sorted.get(sorted.size() / 2);
    long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    long max = sorted.get(sorted.size() - 1);
    System.out.println("FIGURE generator SIGKILL x" + TRIALS + " takeover ms: p50=" + p50 + " p99=" + p99
        + " max=" + max + " all=" + takeovers);
    // the target is p99 300 ms on a quiet machine: a liveness check every 50 ms, the takeover
    // script, the first produce and this test's 10 ms polling. The bounds leave headroom for a
    // machine busy with other builds (measured there at load average about 20: p50 183-280,
    // p99 749-1113 ms) and stay well below the lease TTL path, whose every trial took at least
    // 1,800 ms (p50 2,063 ms before this path existed)
    assertThat(p50).as("p50 takeover ms after SIGKILL").isLessThanOrEqualTo(500);
    assertThat(p99).as("p99 takeover ms after SIGKILL").isLessThanOrEqualTo(1500);
    assertThat(max).isLessThan(LEASE_MS + RETRY_MS + 200);

    long produced = fleet.stopGeneratingAndDrain(Duration.ofSeconds(60));
    fleet.assertEveryIdRecordedOnce(produced);
  }
}
