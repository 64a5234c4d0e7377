package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.Handler;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 sections 2, 3 and 5 with WorkerVerticles in this JVM against a real Redis: how the
 * worker takes a handler's answer, whatever thread gives it and whatever the handler throws.
 */
class HandlerAnswersTest extends RedisTestBase {
  private static final String NODE = "w";
  private Vertx vertx;
  private ExecutorService foreign;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    foreign = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "users-own-pool");
      t.setDaemon(true);
      return t;
    });
    redis.call("SET", redis.keys.seq(), 10_000_000);
    redis.call("SET", redis.keys.epoch(), 1);
  }

  @AfterEach
  void close() {
    TestRedis.await(vertx.close());
    foreign.shutdownNow();
  }

  private void deploy(int workers, int concurrency, long handlerTimeoutMs, Handler handler) {
    // the workers' client on the workers' own Vert.x, as in a node: a client of another Vert.x
    // instance would answer the worker's calls on that instance's threads
    RedisConnector connector = RedisConnector.create(vertx, server.url());
    Scripts scripts = new Scripts(connector.pooled(8));
    for (int i = 0; i < workers; i++) {
      WorkerVerticle.Settings settings = new WorkerVerticle.Settings(connector, concurrency, 500, handlerTimeoutMs, 2000);
      TestRedis.await(vertx.deployVerticle(new WorkerVerticle(scripts, redis.keys, NODE, settings, handler)));
    }
  }

  private void enqueue(long from, long to) {
    List<String> messages = new ArrayList<>();
    for (long id = from; id <= to; id++) {
      messages.add("{\"id\":" + id + ",\"epoch\":1,\"ts\":1,\"body\":\"b\"}");
      if (messages.size() == 10_000) {
        redis.pushAll(redis.keys.queue(), messages);
        messages.clear();
      }
    }
    if (!messages.isEmpty()) {
      redis.pushAll(redis.keys.queue(), messages);
    }
  }

  /** Waits for {@code count} outcomes, or until none was recorded for {@code quietMs}; returns how many. */
  private long awaitOutcomesOrStall(long count, long quietMs, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    long last = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long now = redis.stat("processed");
      if (now >= count) {
        return now;
      }
      if (now != last) {
        last = now;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > TimeUnit.MILLISECONDS.toNanos(quietMs)) {
        return now;
      }
      Waits.pause(100);
    }
    return redis.stat("processed");
  }

  // ---- section 2: a handler may complete its future on any thread

  @Test
  void aHandlerThatCompletesOnItsOwnThreadPoolHasEveryMessageRecordedAndNoneStuckInFlight() {
    long messages = Long.getLong("foreignAnswers.messages", 20_000);
    // how an HttpClient.sendAsync user writes a handler: a CompletableFuture completed on a pool
    // of the user's own, turned into a Vert.x future without a context
    deploy(2, 256, 120_000, message -> Future.fromCompletionStage(CompletableFuture.runAsync(
        () -> java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.ThreadLocalRandom.current().nextLong(200_000)),
        foreign)));
    enqueue(1, messages);
    long started = System.nanoTime();
    long processed = awaitOutcomesOrStall(messages, 10_000, Duration.ofSeconds(300));
    long inFlight = redis.number("HLEN", redis.keys.inflight(NODE));
    System.out.println("FIGURE foreign-thread answers: messages=" + messages + " recorded=" + processed
        + " stuck=" + (messages - processed) + " still-in-flight=" + inFlight + " duplicates=" + redis.stat("duplicates")
        + " failed=" + redis.stat("failed") + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    assertThat(processed).as("outcomes recorded").isEqualTo(messages);
    assertThat(inFlight).as("left in the in-flight hash of the live worker").isZero();
    assertThat(redis.stat("failed")).as("no timeouts, no failures").isZero();
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.number("BITCOUNT", redis.keys.audit())).isEqualTo(messages);
  }
}
