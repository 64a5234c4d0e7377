package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 8: a fifth of the handler calls never call back. With 3 slots per worker the fleet would
 * stall within a few dozen messages unless the timeout frees the slots.
 */
class HandlerTimeoutIT {
  private static final long MESSAGES = 300;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "5", "--limit", Long.toString(MESSAGES),
      "--workers", "1", "--concurrency", "3", "--max-delay-ms", "20", "--hang-rate", "0.2",
      "--handler-timeout-ms", "300"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void aHandlerThatNeverCallsBackFailsAsTimeoutAndItsSlotIsFreed() {
    fleet.start();
    fleet.start();
    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(120));
    fleet.assertEveryIdRecordedOnce(MESSAGES);
    Map<String, Long> reasons = fleet.drainErrors().stream()
        .collect(Collectors.groupingBy(e -> e.getString("error"), Collectors.counting()));
    long timeouts = reasons.getOrDefault("timeout", 0L);
    // 20% of 300 hang: 60 on average, 7 standard deviations either side
    assertThat(timeouts).isBetween(15L, 110L);
    assertThat(reasons.keySet()).containsOnly("timeout", "handler reported an error");
    assertThat(fleet.redis.stat("failed")).isEqualTo(reasons.values().stream().mapToLong(Long::longValue).sum());
    System.out.println("FIGURE handler timeout: " + MESSAGES + " messages, 3 slots per worker, " + timeouts
        + " timed out after 300 ms, all recorded once; error reasons " + reasons);
  }

}
