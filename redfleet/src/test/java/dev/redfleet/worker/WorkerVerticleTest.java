package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.election.Leadership;
import dev.redfleet.handler.SimulatedHandler;
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
    WorkerVerticle.Settings settings = new WorkerVerticle.Settings(dev.redfleet.redis.RedisConnector.create(vertx, server.url()), 50, 2000, 5000, 2000);
    TestRedis.await(vertx.deployVerticle(new WorkerVerticle(new Scripts(redis.client()), redis.keys, NODE, settings,
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
      messages.add("{\"id\":" + id + ",\"epoch\":1,\"body\":\"b\"}");
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
