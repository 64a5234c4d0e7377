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
import org.junit.jupiter.api.Test;

/**
 * A worker whose slow handler's outcomes linger (finishLingerMs, here a minute) records them when it
 * stops, within its drain, instead of undeploying with them still waiting (the linger's timer dies
 * with the verticle, and the messages would run again). One WorkerVerticle in this JVM against a
 * real Redis.
 */
class WorkerLingerStopTest extends RedisTestBase {
  private static final String NODE = "w";
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    TestRedis.await(vertx.close());
  }

  @Test
  void aStoppingWorkerRecordsTheOutcomesThatLingerWithinItsDrain() {
    RedisConnector connector = RedisConnector.create(vertx, server.url());
    WorkerVerticle.Settings settings = new WorkerVerticle.Settings(connector, 200, 2000, 5000, 3000, 1, 1000, 60_000,
        false, WorkerVerticle.PAUSED_POLL_MS, WorkerVerticle.MIN_CLAIM, 60_000);
    // handlers of 0-99 ms: slow (a mean of 20 ms or more) once 32 have answered
    String deployment = TestRedis.await(vertx.deployVerticle(new WorkerVerticle(new Scripts(connector.pooled(4)),
        redis.keys, NODE, settings, new SimulatedHandler(vertx, 100, 0, 0))));
    redis.call("SET", redis.keys.seq(), 1_000_000);
    redis.call("SET", redis.keys.epoch(), 1);
    List<String> messages = new ArrayList<>();
    for (long id = 1; id <= 150; id++) {
      messages.add(entry(id, 1, "b"));
    }
    redis.pushAll(redis.keys.queue(), messages);
    // every handler has answered well within a second; what answered once the handler counted as
    // slow lingers for the minute
    Waits.pause(1000);
    long before = redis.stat("processed");
    assertThat(before).as("recorded before the stop: the linger held some back").isLessThan(150);

    long stopAt = System.nanoTime();
    TestRedis.await(vertx.undeploy(deployment));
    assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).as("the stop did not wait out the drain").isLessThan(Duration.ofMillis(2500));
    assertThat(redis.stat("processed")).isEqualTo(150);
    assertThat(redis.held(NODE)).isZero();
    assertThat(redis.audited()).isEqualTo(150);
  }
}
