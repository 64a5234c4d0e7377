package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 5: Redis (appendonly yes, appendfsync always) is SIGKILLed in the middle of a run and
 * restarted two seconds later. The fleet carries on without a restart of its own, and every message
 * produced gets exactly one outcome.
 */
class RedisRestartIT {
  private static final long MESSAGES = 6000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "1", "--limit", Long.toString(MESSAGES),
      "--max-delay-ms", "200"), "--appendonly", "yes", "--appendfsync", "always");

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void theFleetRidesOutARedisCrashAndLosesNothingRedisAcknowledged() {
    List<FleetProcess> nodes = List.of(fleet.start(), fleet.start(), fleet.start());
    Waits.until("a third of the messages", Duration.ofSeconds(60), () -> fleet.seq() > MESSAGES / 3);
    fleet.server.kill();
    Waits.pause(2000);
    fleet.server.restart();
    long restartedAt = System.nanoTime();
    long seqAfterRestart = fleet.seq();
    long processedAfterRestart = fleet.redis.stat("processed");
    Waits.until("generation to resume", Duration.ofSeconds(30), () -> fleet.seq() > seqAfterRestart);
    long resumedMs = (System.nanoTime() - restartedAt) / 1_000_000;
    Waits.until("outcomes to resume", Duration.ofSeconds(30), () -> fleet.redis.stat("processed") > processedAfterRestart);
    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(120));
    assertThat(nodes).allMatch(FleetProcess::alive);
    fleet.assertEveryIdRecordedOnce(MESSAGES);
    System.out.println("FIGURE Redis SIGKILL + restart (AOF, fsync always) at id " + seqAfterRestart
        + ": generation resumed " + resumedMs + " ms after the restart; all " + MESSAGES
        + " outcomes recorded once; requeued " + fleet.redis.stat("requeued") + ", stale_dropped "
        + fleet.redis.stat("stale_dropped"));
  }
}
