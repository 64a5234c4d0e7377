package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 4: during a 100,000-message run with the spec's handler, a random worker is SIGKILLed every
 * few seconds and a new one started. Every message must end with exactly one outcome, and what the
 * reaper requeued must be exactly what the killed workers held.
 */
class WorkerChurnIT {
  private static final long MESSAGES = 100_000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "0", "--limit", Long.toString(MESSAGES),
      "--workers", "2", "--concurrency", "300", "--max-delay-ms", "1000"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void killedWorkersLoseNothingAndNoOutcomeIsRecordedTwice() {
    for (int i = 0; i < 4; i++) {
      fleet.start();
    }
    String generator = Fleet.nodeOf(fleet.awaitLeader());
    long heldByKilled = 0;
    List<Long> held = new ArrayList<>();
    while (fleet.redis.stat("processed") < MESSAGES * 8 / 10) {
      Waits.pause(3000);
      List<String> workers = fleet.nodes().keySet().stream()
          .filter(id -> !id.equals(generator) && fleet.node(id).alive()).toList();
      String victim = workers.get(ThreadLocalRandom.current().nextInt(workers.size()));
      // frozen first, then read, then killed: a dead worker's messages now go back within
      // milliseconds (its connection is gone), so they can no longer be read after the kill; a
      // frozen one keeps its connection and its messages (only staleMs would reap it)
      fleet.node(victim).signal("STOP");
      // a finish the worker had already sent still runs in Redis after the STOP: read once the
      // count has stopped moving (two reads 100 ms apart agree), not at a fixed delay
      long h = fleet.held(victim);
      for (int read = 0; read < 20; read++) {
        Waits.pause(100);
        long again = fleet.held(victim);
        if (again == h) {
          break;
        }
        h = again;
      }
      fleet.node(victim).kill();
      Waits.until(victim + "'s messages requeued", Duration.ofSeconds(15), () -> fleet.held(victim) == 0);
      held.add(h);
      heldByKilled += h;
      fleet.start();
    }
    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(120));
    assertThat(Fleet.nodeOf(fleet.leaderToken())).as("the generator was never killed").isEqualTo(generator);
    fleet.assertEveryIdRecordedOnce(MESSAGES);
    assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).isZero();
    assertThat(fleet.redis.stat("requeued")).as("requeued = what the killed workers held").isEqualTo(heldByKilled);
    System.out.println("FIGURE worker churn: " + held.size() + " workers SIGKILLed holding " + held
        + " messages; requeued " + fleet.redis.stat("requeued") + "; stale_dropped "
        + fleet.redis.stat("stale_dropped") + "; duplicates " + fleet.redis.stat("duplicates")
        + "; " + MESSAGES + " outcomes recorded once");
  }
}
