package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.handler.SimulatedHandler;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How much a worker's claims take from a short queue, counted in script calls (one WorkerVerticle in
 * this JVM against a real Redis, five members in the nodes set: a claim's fair share is a fifth of
 * what is queued). With a quick handler the worker asks each claim for at least minClaim (32)
 * messages (HandlerPace); with a slow one it takes its fair share alone, so that a burst is spread
 * over the nodes.
 */
class WorkerClaimSizeTest extends RedisTestBase {
  private static final String NODE = "w";
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    redis.call("SET", redis.keys.seq(), 1_000_000);
    redis.call("SET", redis.keys.epoch(), 1);
    for (String other : List.of("x1", "x2", "x3", "x4")) {
      redis.call("ZADD", redis.keys.nodes(), System.currentTimeMillis() + 60_000, other);
    }
  }

  @AfterEach
  void close() {
    TestRedis.await(vertx.close());
  }

  private void deploy(int maxDelayMs) {
    RedisConnector connector = RedisConnector.create(vertx, server.url());
    WorkerVerticle.Settings settings = new WorkerVerticle.Settings(connector, 200, 2000, 5000, 2000);
    TestRedis.await(vertx.deployVerticle(new WorkerVerticle(new Scripts(connector.pooled(4)), redis.keys, NODE, settings,
        new SimulatedHandler(vertx, maxDelayMs, 0, 0))));
  }

  private void enqueue(long from, long to) {
    List<String> messages = new ArrayList<>();
    for (long id = from; id <= to; id++) {
      messages.add(entry(id, 1, "b"));
    }
    redis.pushAll(redis.keys.queue(), messages);
  }

  /** Script calls the worker makes for 96 messages queued at once, after a warm-up of 200. */
  private long callsFor96AfterAWarmUp() {
    // enough answers for the handler's mean to settle, whatever the first ones took (class loading)
    enqueue(1, 200);
    Waits.until("200 outcomes", Duration.ofSeconds(20), () -> redis.stat("processed") == 200);
    // back in BLMOVE on the empty queue
    Waits.pause(300);
    long before = redis.scriptCalls();
    enqueue(201, 296);
    Waits.until("96 more outcomes", Duration.ofSeconds(20), () -> redis.stat("processed") == 296);
    Waits.pause(300);
    assertThat(redis.audited()).isEqualTo(296);
    return redis.scriptCalls() - before;
  }

  /**
   * Zero-delay handlers: the claim after the BLMOVE takes 1 + 32, then finish-claims of 32, 31 and
   * the last, empty one: 4 calls. Fair shares alone took 1 + 19, then 16, 12, 10, 8, ... messages, a
   * dozen calls and more.
   */
  @Test
  void aQuickHandlersWorkerTakesAtLeastMinClaimFromAShortQueue() {
    deploy(0);
    assertThat(callsFor96AfterAWarmUp()).as("script calls for 96 messages queued at once").isLessThanOrEqualTo(5);
  }

  /** Handlers of 0-9 ms are not quick: the same burst goes in fair shares, each a fifth of the rest. */
  @Test
  void aSlowHandlersWorkerTakesItsFairShareAlone() {
    deploy(10);
    assertThat(callsFor96AfterAWarmUp()).as("script calls for 96 messages queued at once").isGreaterThanOrEqualTo(8);
  }
}
