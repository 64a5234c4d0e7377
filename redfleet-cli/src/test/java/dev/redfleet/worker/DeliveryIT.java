package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.TcpProxy;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 section 1 with real processes: a worker whose finish calls lose their answers (a proxy
 * closes the connection once a finish has run, before its reply), with retries on. The worker
 * re-sends the unanswered batch; by then the retry of a message in it may be back in the same
 * node's in-flight hash. The re-sent outcome must not act on that later delivery.
 *
 * <p>The handler fails deterministically, half of all attempts, with the reason
 * {@code attempt A of N failed}: so each message's expected outcome is known (the first attempt
 * that succeeds, or the third's failure) and the errors list can be checked entry by entry.
 *
 * <p>Setup: {@code -DdeliveryIT.lose=P} (default 0.3) is the share of matched requests whose answer
 * is lost; {@code -DdeliveryIT.requests=finish} (default) matches finish calls only, {@code all}
 * every request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryIT {
  private static final long MESSAGES = 3000;
  private static final int ATTEMPTS = 3;
  private Path plugins;
  private Fleet fleet;
  private TcpProxy proxy;

  /** Whether attempt {@code attempt} of message {@code id} fails: half of all attempts, fixed per (id, attempt). */
  static boolean fails(long id, int attempt) {
    long z = id * 31 + attempt + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z & 1) == 1;
  }

  @BeforeAll
  void buildPlugin(@TempDir Path build) throws IOException {
    plugins = Files.createDirectories(build.resolve("plugins"));
    Path jar = PluginJars.fromSources(build, "half-fail", Map.of("com.acme.HalfFail", """
        package com.acme;
        import dev.redfleet.api.*;
        import io.vertx.core.Future;
        public class HalfFail implements Handler {
          static boolean fails(long id, int attempt) {
            long z = id * 31 + attempt + 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            return (z & 1) == 1;
          }
          public Future<Void> handle(Message m) {
            return fails(m.id(), m.attempt())
                ? Future.failedFuture(new HandlerFailure("attempt " + m.attempt() + " of " + m.id() + " failed"))
                : Future.succeededFuture();
          }
        }
        """));
    Files.copy(jar, plugins.resolve("half-fail.jar"));
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aReSentFinishNeverActsOnTheRetryOfItsMessage() throws Exception {
    double lose = Double.parseDouble(System.getProperty("deliveryIT.lose", "0.3"));
    boolean allRequests = "all".equals(System.getProperty("deliveryIT.requests", "finish"));
    fleet = new Fleet(List.of("--limit", Long.toString(MESSAGES), "--rate", "500", "--attempts", Integer.toString(ATTEMPTS),
        "--backoff-ms", "20", "--backoff-max-ms", "100", "--plugins", plugins.toString(), "--handler", "com.acme.HalfFail"));
    proxy = new TcpProxy(fleet.server.port());
    String finishKeys = fleet.redis.keys.audit() + "\r\n";
    proxy.loseReplies(allRequests ? request -> true
        : request -> request.contains(":inflight:") && request.contains(finishKeys), lose);
    // the generator (the simulated source's leader handles nothing) straight to Redis; the one
    // worker, with its two worker verticles sharing the node's in-flight hash, through the proxy:
    // every retry comes back to the node that lost the answer
    fleet.startJoined();
    fleet.awaitLeader();
    fleet.startVia("redis://127.0.0.1:" + proxy.port());

    fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(240));
    // let late re-sends land, then read everything
    Thread.sleep(2000);

    long expectedFailures = 0;
    Map<Long, JsonObject> entries = new HashMap<>();
    for (long id = 1; id <= MESSAGES; id++) {
      if (fails(id, 1) && fails(id, 2) && fails(id, 3)) {
        expectedFailures++;
      }
    }
    long wrongReason = 0;
    long failedThoughAnAttemptSucceeded = 0;
    long otherEntries = 0;
    for (Response raw : fleet.redis.call("LRANGE", fleet.redis.keys.errors(), 0, -1)) {
      JsonObject entry = new JsonObject(raw.toString());
      if (!entry.containsKey("id")) {
        otherEntries++; // duplicate or malformed entries: counted by their counters below
        continue;
      }
      long id = entry.getLong("id");
      entries.put(id, entry);
      int attempts = entry.getInteger("attempts", 1);
      if (!entry.getString("error").equals("attempt " + attempts + " of " + id + " failed") || attempts != ATTEMPTS) {
        wrongReason++;
      }
      if (!(fails(id, 1) && fails(id, 2) && fails(id, 3))) {
        failedThoughAnAttemptSucceeded++;
      }
    }
    long duplicates = fleet.redis.stat("duplicates");
    System.out.println("FIGURE lost finish answers (" + (allRequests ? "all requests" : "finish calls") + ", "
        + Math.round(lose * 100) + "% of " + proxy.matched() + " lost: " + proxy.lost() + " connections closed): messages="
        + MESSAGES + " attempts=" + ATTEMPTS + " processed=" + fleet.redis.stat("processed") + " duplicates=" + duplicates
        + " errors-entries-with-another-attempts-reason=" + wrongReason + " failed-though-an-attempt-succeeded="
        + failedThoughAnAttemptSucceeded + " failed=" + fleet.redis.stat("failed") + " (expected " + expectedFailures + ")"
        + " stale_dropped=" + fleet.redis.stat("stale_dropped") + " retried=" + fleet.redis.stat("retried"));

    assertThat(proxy.lost()).as("answers lost").isPositive();
    assertThat(duplicates).as("duplicate outcomes").isZero();
    assertThat(otherEntries).as("duplicate or malformed errors entries").isZero();
    assertThat(wrongReason).as("errors entries whose reason is not the last attempt's").isZero();
    assertThat(failedThoughAnAttemptSucceeded).as("failures recorded for messages an attempt of which succeeded").isZero();
    fleet.assertEveryIdRecordedOnce(MESSAGES);
    assertThat(fleet.redis.stat("failed")).isEqualTo(expectedFailures);
    assertThat(entries).hasSize((int) expectedFailures);
    assertThat(fleet.redis.number("ZCARD", fleet.redis.keys.delayed())).isZero();
  }
}
