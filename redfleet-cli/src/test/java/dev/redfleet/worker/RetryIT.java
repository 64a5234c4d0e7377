package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 section 2 with real processes: every attempt fails with probability 0.5 and a message gets
 * 3 attempts, so about 0.5^3 = 12.5% of the messages end failed. A worker is SIGKILLed half way
 * (its in-flight messages, retries among them, are reaped), and still every id is recorded once.
 */
class RetryIT {
  private static final long MESSAGES = 4000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "2",
      "--limit", Long.toString(MESSAGES), "--max-delay-ms", "100", "--error-rate", "0.5",
      "--attempts", "3", "--backoff-ms", "40", "--backoff-max-ms", "400", "--stale-ms", "1500"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void halfOfTheAttemptsFailThreeAttemptsEachAndAboutAnEighthOfTheMessagesEndFailedOnce() {
    fleet.start();
    fleet.start();
    fleet.start();
    String leader = Fleet.nodeOf(fleet.awaitLeader());
    Waits.until("retries under way", Duration.ofSeconds(60), () -> fleet.redis.stat("retried") > 300);
    String victim = fleet.nodes().keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    long heldAtKill = fleet.held(victim);
    fleet.node(victim).kill();
    fleet.start();

    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(120));
    fleet.assertEveryIdRecordedOnce(MESSAGES);
    assertThat(fleet.redis.number("ZCARD", fleet.redis.keys.delayed())).isZero();

    long failed = fleet.redis.stat("failed");
    long retried = fleet.redis.stat("retried");
    double share = (double) failed / MESSAGES;
    // binomial(4000, 0.125): sd 21 messages (0.5%); [0.09, 0.16] is more than 6 sd either side
    assertThat(share).as("failed share").isBetween(0.09, 0.16);
    // expected retries per message: 0.5 + 0.25 = 0.75
    assertThat((double) retried / MESSAGES).as("retries per message").isBetween(0.65, 0.85);

    List<JsonObject> errors = fleet.drainErrors();
    assertThat(errors).hasSize((int) failed);
    assertThat(errors).allSatisfy(e -> {
      assertThat(e.getInteger("attempts")).isEqualTo(3);
      assertThat(e.getString("error")).isNotBlank();
      assertThat(e.getLong("id")).isBetween(1L, MESSAGES);
    });
    assertThat(errors.stream().map(e -> e.getLong("id")).distinct().count()).isEqualTo(failed);
    System.out.println("FIGURE retries: messages=" + MESSAGES + " attempts=3 error-rate=0.5 failed=" + failed
        + String.format(" failed-share=%.4f (expected 0.125)", share) + " retried=" + retried
        + String.format(" (%.3f per message, expected 0.75)", (double) retried / MESSAGES)
        + " worker SIGKILLed holding " + heldAtKill + " message(s); every id recorded once");
  }
}
