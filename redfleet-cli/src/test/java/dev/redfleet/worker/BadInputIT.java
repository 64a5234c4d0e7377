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
 * Fault 7 (queue side): entries that are not messages, pushed into the queue of a running fleet,
 * end in the errors list as malformed with their raw text, and the workers go on.
 */
class BadInputIT {
  private static final long MESSAGES = 200;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "20", "--limit", Long.toString(MESSAGES),
      "--max-delay-ms", "50", "--error-rate", "0"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void garbageInvalidJsonWrongShapesAndAMegabyteEndAsMalformedAndWorkGoesOn() {
    fleet.start();
    fleet.start();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 20);
    List<String> bad = List.of(
        "garbage",
        "{\"id\":12,\"epoch\":1,\"body\":\"unterminated",
        "[1,2,3]",
        "{\"id\":\"7\",\"epoch\":1,\"body\":\"id is text\"}",
        "{\"id\":900001,\"epoch\":\"one\",\"body\":\"epoch is text\"}",
        "{\"id\":900002,\"epoch\":1,\"body\":5}",
        "{\"id\":900003,\"epoch\":1}",
        "x".repeat(1024 * 1024));
    for (String entry : bad) {
      fleet.redis.call("LPUSH", fleet.redis.keys.queue(), entry);
    }
    Waits.until("every bad entry handled", Duration.ofSeconds(30), () -> fleet.redis.stat("malformed") == bad.size());
    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(60));
    fleet.assertEveryIdRecordedOnce(MESSAGES);

    List<JsonObject> errors = fleet.drainErrors();
    assertThat(errors).hasSize(bad.size());
    assertThat(errors).allSatisfy(e -> {
      assertThat(e.getString("error")).isEqualTo("malformed");
      assertThat(e.getString("node")).startsWith("node");
    });
    assertThat(errors.stream().map(e -> e.getString("raw")).toList()).containsExactlyInAnyOrderElementsOf(bad);
    assertThat(fleet.nodes().values()).allMatch(n -> n.alive());
    System.out.println("FIGURE bad input: " + bad.size() + " malformed entries (largest "
        + bad.get(bad.size() - 1).length() + " bytes) recorded with their raw text; " + MESSAGES
        + " real messages recorded once meanwhile");
  }
}
