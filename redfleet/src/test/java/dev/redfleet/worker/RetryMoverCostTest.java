package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's retry mover costs nothing while the delayed set is empty (attempts = 1, no delayed
 * sends): it waits in a BLMOVE on the wake list instead of calling retry-due 4 to 100 times a
 * second, and a delayed send or a retry written meanwhile still moves when due.
 */
class RetryMoverCostTest {
  /** backoffMs 20: the old mover looked every 10 ms. */
  private static final long INTERVAL_MS = RetryVerticle.intervalFor(20);

  private RedisServer server;
  private TestRedis redis;
  private Vertx vertx;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "test");
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    TestRedis.await(vertx.close());
    redis.close();
    server.close();
  }

  /** A leader's mover, woken through {@code blocking} clients (null: the polling mover). */
  private void leaderMover(boolean blocking) {
    RedisConnector connector = RedisConnector.create(vertx, server.url());
    Scripts scripts = new Scripts(connector.pooled(2));
    RetryVerticle mover = blocking
        ? new RetryVerticle(scripts, redis.keys, "n", INTERVAL_MS, connector::dedicated)
        : new RetryVerticle(scripts, redis.keys, "n", INTERVAL_MS);
    TestRedis.await(vertx.deployVerticle(mover));
    vertx.eventBus().send(Leadership.ADDRESS, new Leadership(true, 1, "n:1").toJson());
  }


  private long scriptCallsIn(long ms) {
    long before = redis.scriptCalls();
    Waits.pause(ms);
    return redis.scriptCalls() - before;
  }

  @Test
  void thePollingMoverCallsRetryDueEveryInterval() {
    leaderMover(false);
    Waits.pause(300);
    long calls = scriptCallsIn(2000);
    System.out.println("FIGURE retry mover polling every " + INTERVAL_MS + " ms, empty delayed set: " + calls
        + " retry-due calls in 2 s");
    assertThat(calls).isGreaterThanOrEqualTo(20);
  }

  @Test
  void withAnEmptyDelayedSetTheMoverMakesNoCallsUntilSomethingIsDelayed() {
    leaderMover(true);
    Waits.pause(300);
    long calls = scriptCallsIn(2000);
    System.out.println("FIGURE retry mover waiting for a wake, empty delayed set: " + calls + " retry-due calls in 2 s");
    assertThat(calls).as("retry-due calls in 2 s").isZero();

    // a delayed send wakes it: moved to the queue once due, not SAFETY_MS later
    long sentAt = System.nanoTime();
    redis.run(Script.SEND, redis.keys.send(), List.of(60_000, "d300", "0", "\"later\""));
    Waits.until("the delayed send in the queue", Duration.ofSeconds(4), () -> redis.number("LLEN", redis.keys.queue()) == 1);
    long ms = (System.nanoTime() - sentAt) / 1_000_000;
    System.out.println("FIGURE a send delayed 300 ms reached the queue after " + ms + " ms");
    assertThat(ms).as("ms from the send to the queue").isBetween(300L, 300L + RetryVerticle.SAFETY_MS / 2);
    assertThat(redis.number("ZCARD", redis.keys.delayed())).isZero();
    assertThat(redis.number("EXISTS", redis.keys.delayedWake())).as("the wake list, deleted by retry-due").isZero();
  }

  @Test
  void aDelayedEntryWrittenWithoutAWakeIsStillMovedWithinTheSafetyWait() {
    leaderMover(true);
    Waits.pause(300);
    // a send of an older release (no wake): only the safety wait finds it
    redis.run(Script.SEND, redis.keys.send(), List.of(60_000, "d10", "0", "\"old\""));
    redis.call("DEL", redis.keys.delayedWake());
    Waits.until("the delayed send in the queue", Duration.ofMillis(RetryVerticle.SAFETY_MS + 3000),
        () -> redis.number("LLEN", redis.keys.queue()) == 1);
  }
}
