package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Entries;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault 7 (queue side): entries that are not messages, pushed into the queue of a running fleet,
 * end in the errors list as malformed with their raw text, and the workers go on. Those without an
 * {@code <id>:<epoch>:} prefix the claim accepts are set aside by the claim; those with one, whose
 * rest is not in the layout of lua/lib/entry.lua, by the worker that claimed them, which finishes
 * them as malformed instead of handing them to the handler.
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
    // the generator's epoch: an entry of it (or of epoch 0, a sent message) with an id up to seq
    // passes the claim's check of its prefix and reaches a worker
    long epoch = fleet.redis.number("GET", fleet.redis.keys.epoch());
    List<String> bad = List.of(
        "garbage",
        // cut short: a meta length past the end of the entry
        "12:" + epoch + ":5:1:0:99:{\"key\":\"unterminated\"}",
        "[1,2,3]",
        // an id that is text, or not canonical digits
        "seven:" + epoch + ":5:1:0:0:id is text",
        "07:" + epoch + ":5:1:0:0:id has a leading zero",
        // an epoch that is text
        "13:one:5:1:0:0:epoch is text",
        // a header field that is text, or out of range
        "14:" + epoch + ":soon:1:0:0:ts is text",
        "15:" + epoch + ":5:0:0:0:attempt 0",
        "16:" + epoch + ":5:1:0:-3:meta length below 0",
        // wrong shapes of meta: not an object, a key that is not a string, a header value that is
        // not a string, a field other than key and headers
        Entries.sent(17, 5, 0, "[1,2,3]", "meta is an array"),
        Entries.sent(18, 5, 0, "{\"key\":5}", "key is a number"),
        Entries.sent(19, 5, 0, "{\"headers\":{\"a\":1}}", "header is a number"),
        Entries.sent(20, 5, 0, "{\"body\":\"x\"}", "meta names the body"),
        // header fields missing: no sent, no meta length, no body
        "11:" + epoch + ":5:1",
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
