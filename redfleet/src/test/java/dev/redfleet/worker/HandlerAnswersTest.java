package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.Handler;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
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
      messages.add(entry(id, 1, 1, 1, "b"));
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
    long inFlight = redis.held(NODE);
    System.out.println("FIGURE foreign-thread answers: messages=" + messages + " recorded=" + processed
        + " stuck=" + (messages - processed) + " still-in-flight=" + inFlight + " duplicates=" + redis.stat("duplicates")
        + " failed=" + redis.stat("failed") + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    assertThat(processed).as("outcomes recorded").isEqualTo(messages);
    assertThat(inFlight).as("left in the in-flight hash of the live worker").isZero();
    assertThat(redis.stat("failed")).as("no timeouts, no failures").isZero();
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.audited()).isEqualTo(messages);
  }

  // ---- section 3: one fatal error must not strand a claim

  @Test
  void aHandlerThatThrowsOutOfMemoryErrorFailsThatMessageAndEveryOtherMessageOfTheClaimStillRuns() {
    // one claim of 300: every third handler call throws, on the event loop, in the loop that starts the claim
    deploy(1, 300, 120_000, message -> {
      if (message.id() % 3 == 0) {
        throw new OutOfMemoryError("Java heap space (thrown by the test handler)");
      }
      if (message.id() % 3 == 1) {
        return Future.failedFuture(new OutOfMemoryError("as a failed future"));
      }
      return Future.succeededFuture();
    });
    enqueue(1, 300);
    long processed = awaitOutcomesOrStall(300, 5_000, Duration.ofSeconds(60));
    long inFlight = redis.held(NODE);
    System.out.println("FIGURE thrown OutOfMemoryError: messages=300 recorded=" + processed + " stranded in flight="
        + inFlight + " failed=" + redis.stat("failed"));
    assertThat(processed).isEqualTo(300);
    assertThat(inFlight).isZero();
    assertThat(redis.stat("failed")).as("the 200 whose handler threw or failed with the error").isEqualTo(200);
    List<String> reasons = new ArrayList<>();
    for (Response e : redis.call("LRANGE", redis.keys.errors(), 0, -1)) {
      reasons.add(new JsonObject(e.toString()).getString("error"));
    }
    assertThat(reasons).hasSize(200).allMatch(r -> r.startsWith("exception: java.lang.OutOfMemoryError: "));
  }

  @Test
  void aHandlerWhoseAllocationTheJvmRefusesFailsThatMessageAndTheRestOfTheClaimRuns() {
    // an OutOfMemoryError raised by the JVM itself: an array above the VM's limit is refused at once,
    // without the full collections that a merely too big one costs this test JVM's heap (a node's
    // 16 GiB allocation is FatalHandlerIT's)
    deploy(1, 300, 120_000, message -> {
      if (message.id() % 3 == 0) {
        long[] huge = new long[Integer.MAX_VALUE];
        huge[0] = message.id();
      }
      return Future.succeededFuture();
    });
    enqueue(1, 300);
    long processed = awaitOutcomesOrStall(300, 5_000, Duration.ofSeconds(60));
    long inFlight = redis.held(NODE);
    System.out.println("FIGURE allocation above the VM limit: messages=300 recorded=" + processed + " stranded in flight="
        + inFlight + " failed=" + redis.stat("failed"));
    assertThat(processed).isEqualTo(300);
    assertThat(inFlight).isZero();
    assertThat(redis.stat("failed")).isEqualTo(100);
  }

  // ---- section 5: a delivery put again into the running map goes to its end

  @Test
  void aMessageDeliveredAgainWhileItsEarlierDeliveryRunsDoesNotHoldBackTheTimeoutOfOlderOnes() {
    long timeoutMs = 2000;
    // nothing ever answers: every message ends as a timeout
    deploy(1, 10, timeoutMs, message -> io.vertx.core.Promise.<Void>promise().future());
    String x = entry(1, 1, 1, 1, "x");
    redis.call("LPUSH", redis.keys.queue(), x);
    Waits.until("x claimed", Duration.ofSeconds(5), () -> redis.held(NODE) == 1);
    Waits.pause(300);
    redis.call("LPUSH", redis.keys.queue(), entry(2, 1, 1, 1, "y"));
    Waits.until("y claimed", Duration.ofSeconds(5), () -> redis.held(NODE) == 2);
    long yClaimed = System.nanoTime();
    Waits.pause(1500);
    // x is taken from this node (as the reaper does to a node it takes for dead) and comes back to
    // the same worker while its first delivery still runs: x is now the newest delivery
    assertThat(redis.dropRecordsOf(NODE, "1")).isEqualTo(1);
    redis.call("RPUSH", redis.keys.queue(), x);
    Waits.until("x claimed again", Duration.ofSeconds(5), () -> redis.held(NODE) == 2);

    Waits.until("y timed out", Duration.ofSeconds(10), () -> redis.stat("failed") >= 1);
    long yOutcomeMs = (System.nanoTime() - yClaimed) / 1_000_000;
    System.out.println("FIGURE re-delivery and timeout sweep: y timed out " + yOutcomeMs + " ms after it was claimed"
        + " (timeout " + timeoutMs + " ms, x delivered again 1500 ms after y)");
    JsonObject first = new JsonObject(redis.string("LINDEX", redis.keys.errors(), -1));
    assertThat(first.getLong("id")).as("the older delivery times out first").isEqualTo(2);
    assertThat(first.getString("error")).isEqualTo("timeout");
    // the sweep runs every timeout/10: y is due at 2000 ms; a sweep held up behind x waits until
    // x's second delivery expires, at 3500 ms or later
    assertThat(yOutcomeMs).as("y's timeout").isLessThan(timeoutMs + 1000);
    Waits.until("x timed out", Duration.ofSeconds(10), () -> redis.stat("failed") == 2);
  }
}
