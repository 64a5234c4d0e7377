package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.election.Leadership;
import dev.redfleet.handler.SimulatedHandler;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One WorkerVerticle in this JVM against a real Redis. */
@ExtendWith(VertxExtension.class)
class WorkerVerticleTest extends RedisTestBase {
  private static final String NODE = "w";
  private Vertx vertx;

  @BeforeEach
  void deploy() {
    vertx = Vertx.vertx();
    RedisConnector connector = RedisConnector.create(vertx, server.url());
    WorkerVerticle.Settings settings = new WorkerVerticle.Settings(connector, 50, 2000, 5000, 2000);
    // the worker's Redis client on the worker's own Vert.x, as in a node: answers come back on the
    // verticle's context
    TestRedis.await(vertx.deployVerticle(new WorkerVerticle(new Scripts(connector.pooled(4)), redis.keys, NODE, settings,
        new SimulatedHandler(vertx, 0, 0, 0))));
  }

  @AfterEach
  void close() {
    TestRedis.await(vertx.close());
  }

  private void enqueue(long from, long to) {
    // as if the generator had handed these ids out: the claim takes no id above seq
    redis.call("SET", redis.keys.seq(), 1_000_000);
    redis.call("SET", redis.keys.epoch(), 1);
    List<String> messages = new ArrayList<>();
    for (long id = from; id <= to; id++) {
      messages.add(entry(id, 1, "b"));
    }
    redis.pushAll(redis.keys.queue(), messages);
  }

  @Test
  void handlesWhatTheQueueHoldsAndWhatArrivesWhileItBlocks() {
    enqueue(1, 120);
    Waits.until("120 outcomes", Duration.ofSeconds(10), () -> redis.stat("processed") == 120);
    // now blocked in BLMOVE on an empty queue
    Waits.pause(200);
    enqueue(121, 121);
    Waits.until("the late message", Duration.ofSeconds(5), () -> redis.stat("processed") == 121);
    assertThat(redis.number("HLEN", redis.keys.inflight(NODE))).isZero();
    assertThat(redis.audited()).isEqualTo(121);
  }

  /**
   * A claim of 40 whose zero-delay handlers all answer in the turn that got them: their 40 outcomes
   * go in one finish call, which also carries the next claim. Two script calls in all (the claim
   * after the BLMOVE, then finish-claim); flushing each outcome as it came made it three or more (a
   * finish of the first outcome, another of the rest, or a claim of its own).
   */
  @Test
  void outcomesOfOneTurnShareOneFinishCallThatAlsoClaims() {
    // blocked in BLMOVE on the empty queue
    Waits.pause(300);
    long before = redis.scriptCalls();
    enqueue(1, 40);
    Waits.until("40 outcomes", Duration.ofSeconds(10), () -> redis.stat("processed") == 40);
    // back in BLMOVE: no call is still on its way
    Waits.pause(300);
    assertThat(redis.scriptCalls() - before).as("script calls for 40 messages claimed at once").isEqualTo(2);
    assertThat(redis.audited()).isEqualTo(40);
  }

  @Test
  void whileItsNodeGeneratesAMessageThatLandsGoesBackToTheQueueUntilItIsAWorkerAgain() {
    // the worker is blocked in BLMOVE on the empty queue when its node becomes the generator
    Waits.pause(300);
    vertx.eventBus().publish(Leadership.ADDRESS, new Leadership(true, 1, NODE + ":1").toJson());
    Waits.pause(100);
    enqueue(1, 1);
    Waits.pause(700);
    assertThat(redis.stat("processed")).isZero();
    assertThat(redis.number("HLEN", redis.keys.inflight(NODE))).isZero();
    assertThat(redis.number("LLEN", redis.keys.landing(NODE))).isZero();
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(1);

    vertx.eventBus().publish(Leadership.ADDRESS, Leadership.follower().toJson());
    Waits.until("the message handled once the node is a worker again", Duration.ofSeconds(5),
        () -> redis.stat("processed") == 1);
  }
}
