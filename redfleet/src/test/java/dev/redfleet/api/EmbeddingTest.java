package dev.redfleet.api;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.AnchorLike;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own program embeds fleet nodes with nothing but {@code dev.redfleet.api} (see
 * {@link UserApp}), against a real redis-server: one node generates, the other runs the user's
 * handler; stop() leaves the fleet.
 */
class EmbeddingTest extends RedisTestBase {

  /** What a user writes: only dev.redfleet.api and Vert.x types. */
  static final class UserApp {
    /** The generator side: settings from a config file plus the command line of the user's main. */
    static Future<RedfleetNode> generator(Path configFile, String redisUrl, long limit) {
      return Redfleet.node()
          .handler(message -> Future.succeededFuture())
          .configFile(configFile)
          .env(Map.of())
          .args("--redis", redisUrl, "--node-id", "gen", "--interval-ms", "0")
          .set("limit", limit)
          .start();
    }

    /** The handling side: settings from the environment given and set(). */
    static Future<RedfleetNode> worker(String redisUrl, Handler handler) {
      return Redfleet.node()
          .handler(handler)
          .env(Map.of("REDIS_URL", redisUrl, "REDFLEET_NAMESPACE", "test", "REDFLEET_NODE_ID", "work"))
          .config(new io.vertx.core.json.JsonObject().put("workers", 2).put("concurrency", 32))
          .start();
    }
  }

  @Test
  void aUsersMainEmbedsAGeneratorAndAHandlerNodeAndStopLeavesTheFleet(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("config.json"), "{\"namespace\": \"test\"}");
    Map<Long, Integer> handled = new ConcurrentHashMap<>();
    AtomicInteger offLoop = new AtomicInteger();
    RedfleetNode generator = TestRedis.await(UserApp.generator(config, server.url(), 500));
    Waits.until("gen generates", Duration.ofSeconds(10),
        () -> String.valueOf(redis.string("GET", redis.keys.leader())).startsWith("gen:"));
    RedfleetNode worker = TestRedis.await(UserApp.worker(server.url(), message -> {
      handled.merge(message.id(), 1, Integer::sum);
      if (!Context.isOnEventLoopThread()) {
        offLoop.incrementAndGet();
      }
      assertThat(message.body()).isNotNull();
      assertThat(message.attempt()).isEqualTo(1);
      assertThat(message.epoch()).isPositive();
      return Future.succeededFuture();
    }));
    assertThat(worker.nodeId()).isEqualTo("work");
    assertThat(generator.nodeId()).isEqualTo("gen");

    Waits.until("500 outcomes", Duration.ofSeconds(30), () -> redis.stat("processed") == 500);
    assertThat(handled).hasSize(500);
    assertThat(handled.values()).containsOnly(1);
    assertThat(handled.keySet()).allMatch(id -> id >= 1 && id <= 500);
    assertThat(offLoop.get()).as("asynchronous handler calls off the event loop").isZero();
    assertThat(redis.stat("failed")).isZero();
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.audited()).isEqualTo(500);
    assertThat(redis.string("ZSCORE", redis.keys.nodes(), "work")).isNotNull();

    TestRedis.await(worker.stop());
    assertThat(redis.string("ZSCORE", redis.keys.nodes(), "work")).as("work left the fleet").isNull();
    assertThat(worker.stop()).as("stop() again: the same future").isSameAs(worker.stop());
    TestRedis.await(generator.stop());
    assertThat(redis.string("ZSCORE", redis.keys.nodes(), "gen")).isNull();
    assertThat(redis.string("GET", redis.keys.leader())).as("lease released").isNull();
  }

  @Test
  void aBlockingHandlerRunsOnTheHandlerPoolNeverOnAnEventLoop() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    AtomicInteger onLoop = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    holdLease();
    RedfleetNode node = TestRedis.await(Redfleet.node()
        .blockingHandler(message -> {
          calls.incrementAndGet();
          if (Context.isOnEventLoopThread()) {
            onLoop.incrementAndGet();
          }
          threads.add(Thread.currentThread().getName());
          Thread.sleep(5);
          if (message.id() % 10 == 0) {
            throw new java.io.IOException("disk full");
          }
          if (message.id() % 10 == 1) {
            throw new HandlerFailure("no such customer");
          }
        })
        .env(Map.of())
        .args("--redis", server.url(), "--namespace", "test", "--node-id", "blocking", "--handler-threads", "3")
        .start());
    try {
      enqueue(200);
      Waits.until("200 outcomes", Duration.ofSeconds(30), () -> redis.stat("processed") == 200);
      assertThat(calls.get()).isEqualTo(200);
      assertThat(onLoop.get()).as("blocking calls on an event loop").isZero();
      assertThat(threads).allMatch(name -> name.startsWith("redfleet-handler-blocking"));
      assertThat(threads.size()).as("pool threads used").isBetween(2, 3);
      Map<Long, String> reasons = errors();
      assertThat(reasons).hasSize(40);
      assertThat(redis.stat("failed")).isEqualTo(40);
      for (long id = 1; id <= 200; id++) {
        String expected = id % 10 == 0 ? "exception: java.io.IOException: disk full"
            : id % 10 == 1 ? "no such customer" : null;
        assertThat(reasons.get(id)).as("reason of %d", id).isEqualTo(expected);
      }
    } finally {
      TestRedis.await(node.stop());
    }
  }

  /**
   * Plain Java, no Vert.x type: a CompletionStage handler whose stages complete on the user's own
   * pool (as HttpClient.sendAsync's do), started and stopped through CompletableFutures that never
   * complete on an event loop.
   */
  @Test
  void plainJavaCodeRunsACompletionStageHandlerAndStartsAndStopsTheNodeWithCompletableFutures() throws Exception {
    java.util.concurrent.ExecutorService users = java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.Queue<String> startedOn = new java.util.concurrent.ConcurrentLinkedQueue<>();
    holdLease();
    try {
      RedfleetNode node = Redfleet.node()
          .stageHandler(message -> java.util.concurrent.CompletableFuture.runAsync(() -> {
            if (message.id() % 10 == 0) {
              throw new IllegalStateException("the user's pool failed " + message.id());
            }
            if (message.id() % 10 == 1) {
              throw new HandlerFailure("no such order " + message.id());
            }
          }, users))
          .env(Map.of())
          .args("--redis", server.url(), "--namespace", "test", "--node-id", "staged")
          .startAsync()
          .thenApply(started -> {
            startedOn.add(Thread.currentThread().getName());
            return started;
          })
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      enqueue(300);
      Waits.until("300 outcomes", Duration.ofSeconds(30), () -> redis.stat("processed") == 300);
      Map<Long, String> reasons = errors();
      assertThat(reasons).hasSize(60);
      for (long id = 1; id <= 300; id++) {
        String expected = id % 10 == 0 ? "exception: java.lang.IllegalStateException: the user's pool failed " + id
            : id % 10 == 1 ? "no such order " + id : null;
        assertThat(reasons.get(id)).as("reason of %d", id).isEqualTo(expected);
      }
      assertThat(redis.number("EXISTS", redis.keys.inflight("staged"))).as("nothing stuck in flight").isZero();
      node.stopAsync().thenRun(() -> startedOn.add(Thread.currentThread().getName())).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(startedOn).hasSize(2).noneMatch(name -> name.startsWith("vert.x-eventloop"));
      assertThat(redis.string("ZSCORE", redis.keys.nodes(), "staged")).as("left the fleet").isNull();
    } finally {
      users.shutdownNow();
    }
  }

  @Test
  void throwingSilentLateNullAndErrorAnswersFailWithAReasonRecordedOnceAndTheNodeKeepsWorking() {
    // ids by id % 8: 0 throws, 1 fails with a reason, 2 never answers, 3 answers after the timeout,
    // 4 fails with an exception, 5 succeeds, 6 returns null, 7 throws an Error
    holdLease();
    RedfleetNode node = TestRedis.await(Redfleet.node()
        .handler(message -> {
          io.vertx.core.Vertx vertx = Context.isOnEventLoopThread() ? io.vertx.core.Vertx.currentContext().owner() : null;
          switch ((int) (message.id() % 8)) {
            case 0:
              throw new IllegalStateException("boom");
            case 1:
              return Future.failedFuture("card declined");
            case 2:
              return io.vertx.core.Promise.<Void>promise().future();
            case 3:
              io.vertx.core.Promise<Void> late = io.vertx.core.Promise.promise();
              vertx.setTimer(700, t -> late.complete());
              return late.future();
            case 4:
              return Future.failedFuture(new IllegalArgumentException("bad body"));
            case 5:
              return Future.succeededFuture();
            case 6:
              return null;
            default:
              throw new AssertionError("unexpected body");
          }
        })
        .env(Map.of())
        .args("--redis", server.url(), "--namespace", "test", "--node-id", "faulty", "--handler-timeout-ms", "300",
            "--concurrency", "20", "--workers", "1")
        .start());
    try {
      enqueue(160);
      Waits.until("160 outcomes", Duration.ofSeconds(30), () -> redis.stat("processed") == 160);
      // the late answers come in after their timeouts were recorded
      Waits.pause(1000);
      assertThat(redis.stat("processed")).isEqualTo(160);
      assertThat(redis.stat("failed")).isEqualTo(140);
      assertThat(redis.stat("duplicates")).isZero();
      assertThat(redis.stat("stale_dropped")).isZero();
      assertThat(redis.audited()).isEqualTo(160);
      assertThat(redis.number("LLEN", redis.keys.errors())).as("one errors entry per failed message").isEqualTo(140);
      Map<Long, String> reasons = errors();
      for (long id = 1; id <= 160; id++) {
        String expected = switch ((int) (id % 8)) {
          case 0 -> "exception: java.lang.IllegalStateException: boom";
          case 1 -> "card declined";
          case 2, 3 -> "timeout";
          case 4 -> "exception: java.lang.IllegalArgumentException: bad body";
          case 5 -> null;
          case 6 -> "handler returned no future";
          default -> "exception: java.lang.AssertionError: unexpected body";
        };
        assertThat(reasons.get(id)).as("reason of %d", id).isEqualTo(expected);
      }
      // still working after all that
      redis.call("LPUSH", redis.keys.queue(), entry(1000, 1, "b"));
      Waits.until("one more message", Duration.ofSeconds(10), () -> redis.stat("processed") == 161);
    } finally {
      TestRedis.await(node.stop());
    }
  }

  @Test
  void anEarlierDeliveryThatAnswersLateDoesNotAnswerForTheMessagesCurrentDelivery() {
    // one message answered twice on one worker: the node was taken for dead (a long pause), its
    // message went back to the queue and came back to the same worker while the first call still ran
    holdLease();
    java.util.List<io.vertx.core.Promise<Void>> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<Context> contexts = new java.util.concurrent.CopyOnWriteArrayList<>();
    RedfleetNode node = TestRedis.await(Redfleet.node()
        .handler(message -> {
          io.vertx.core.Promise<Void> answer = io.vertx.core.Promise.promise();
          contexts.add(io.vertx.core.Vertx.currentContext());
          answers.add(answer);
          return answer.future();
        })
        .env(Map.of())
        .args("--redis", server.url(), "--namespace", "test", "--node-id", "again", "--workers", "1")
        .start());
    try {
      String raw = entry(7, 1, 1, 1, "b");
      redis.call("LPUSH", redis.keys.queue(), raw);
      Waits.until("the first delivery", Duration.ofSeconds(10), () -> answers.size() == 1);
      // what the reaper does to a node it takes for dead
      assertThat(redis.dropRecordsOf("again", "7")).isEqualTo(1);
      redis.call("RPUSH", redis.keys.queue(), raw);
      Waits.until("the second delivery", Duration.ofSeconds(10), () -> answers.size() == 2);

      contexts.get(0).runOnContext(v -> answers.get(0).complete());
      Waits.pause(500);
      assertThat(redis.stat("processed")).as("the first delivery's late answer does not count").isZero();
      contexts.get(1).runOnContext(v -> answers.get(1).fail("second delivery failed"));
      Waits.until("the outcome", Duration.ofSeconds(10), () -> redis.stat("processed") == 1);
      assertThat(errors()).containsExactly(Map.entry(7L, "second delivery failed"));
      assertThat(redis.stat("duplicates")).isZero();
    } finally {
      TestRedis.await(node.stop());
    }
  }

  @Test
  void aNodeOnTheUsersVertxLeavesItOpenWhenItStops() {
    holdLease();
    io.vertx.core.Vertx mine = io.vertx.core.Vertx.vertx();
    try {
      RedfleetNode node = TestRedis.await(Redfleet.node()
          .vertx(mine)
          .handler(message -> Future.succeededFuture())
          .env(Map.of())
          .set("redisUrl", server.url()).set("namespace", "test").set("nodeId", "guest")
          .start());
      enqueue(10);
      Waits.until("10 outcomes", Duration.ofSeconds(10), () -> redis.stat("processed") == 10);
      TestRedis.await(node.stop());
      assertThat(redis.string("ZSCORE", redis.keys.nodes(), "guest")).isNull();
      // still usable
      assertThat(TestRedis.await(mine.executeBlocking(() -> "open"))).isEqualTo("open");
    } finally {
      TestRedis.await(mine.close());
    }
  }

  @Test
  void badSettingsAndArgumentsFailStartWithOneLine() {
    assertThat(failure(Redfleet.node().env(Map.of()).set("workers", 0)))
        .isEqualTo("bad configuration: workers must be between 1 and 64, got 0 (from option --workers)");
    assertThat(failure(Redfleet.node().env(Map.of()).set("wrokers", 2))).startsWith("bad configuration: unknown setting 'wrokers'");
    assertThat(failure(Redfleet.node().env(Map.of()).args("--frobnicate"))).startsWith("bad argument: Unknown option: '--frobnicate'");
    assertThat(failure(Redfleet.node().env(Map.of()).args("--handler", "com.acme.Missing")))
        .startsWith("bad configuration: handler 'com.acme.Missing': no handler of that name (known: simulated");
    assertThat(failure(Redfleet.node().env(Map.of("REDFLEET_HANDLER_THREADS", "0"))))
        .contains("handlerThreads must be between 1 and 1024, got 0 (from environment variable REDFLEET_HANDLER_THREADS)");
  }

  /**
   * Issue 15 section 5: another live process takes this node's id while the node's connection is
   * down. IdentityVerticle used to System.exit(2), ending the embedding program's JVM (here: the
   * test JVM). Now the node stops itself, leaves what the id holds to the other process, and its
   * stop() future says why; a second start with a live id fails start() with one line.
   */
  @Test
  void anotherProcessTakingTheNodeIdStopsTheEmbeddedNodeNeverTheJvm() throws Exception {
    holdLease();
    io.vertx.core.Vertx mine = io.vertx.core.Vertx.vertx();
    try (AnchorLike other = new AnchorLike(server.port(), redis)) {
      RedfleetNode node = TestRedis.await(Redfleet.node()
          .vertx(mine)
          .handler(message -> Future.succeededFuture())
          .env(Map.of())
          .set("redisUrl", server.url()).set("namespace", "test").set("nodeId", "x")
          .start());

      Future<RedfleetNode> twin = Redfleet.node()
          .handler(message -> Future.succeededFuture())
          .env(Map.of())
          .set("redisUrl", server.url()).set("namespace", "test").set("nodeId", "x")
          .start();
      try {
        twin.await(Duration.ofSeconds(30));
      } catch (Exception e) {
        // await rethrows the failure
      }
      assertThat(twin.failed()).isTrue();
      assertThat(twin.cause().getMessage()).startsWith("node id 'x' is in use by a live process").doesNotContain("\n");

      // "another process" (a live connection named like an anchor) registers for x while x's own
      // anchor connection is killed
      String held = entry(77, 1, 1, 1, "the other process's");
      redis.holdByHand("x", "other:1", java.util.List.of("77"), java.util.List.of(held));
      other.takeIdOf("x", redis);

      Waits.until("x stopped by itself", Duration.ofSeconds(30), () -> mine.deploymentIDs().isEmpty());
      Future<Void> stopped = node.stop();
      try {
        stopped.await(Duration.ofSeconds(30));
      } catch (Exception e) {
        // await rethrows the failure
      }
      assertThat(stopped.failed()).isTrue();
      assertThat(stopped.cause()).isInstanceOf(IllegalStateException.class)
          .hasMessage("node id 'x' was taken by another live process while this one was disconnected; this node stops");
      assertThat(node.stop()).isSameAs(stopped);
      assertThat(redis.string("HGET", redis.keys.anchors(), "x")).as("the other process's entry").isEqualTo(other.identity);
      assertThat(redis.string("HGET", redis.keys.inflight("x"), "other:1")).as("what the id holds stays").endsWith(held);
      assertThat(redis.held("x")).isEqualTo(1);
      assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
      // this JVM and the user's Vert.x go on
      assertThat(TestRedis.await(mine.executeBlocking(() -> "open"))).isEqualTo("open");
    } finally {
      TestRedis.await(mine.close());
    }
  }

  private static String failure(NodeBuilder builder) {
    Future<RedfleetNode> started = builder.start();
    try {
      started.await(Duration.ofSeconds(30));
    } catch (Exception e) {
      // await rethrows the failure
    }
    assertThat(started.failed()).as("start failed").isTrue();
    assertThat(started.cause()).isInstanceOf(IllegalArgumentException.class);
    return started.cause().getMessage();
  }

  /** Another (absent) node holds the lease, so the node under test stays a worker. */
  private void holdLease() {
    redis.call("SET", redis.keys.leader(), "elsewhere:1", "PX", 600000);
    asIfGenerated();
  }

  /** Workers take only what a generator could have made: ids up to seq, epochs up to epoch. */
  private void asIfGenerated() {
    redis.call("SET", redis.keys.seq(), 1_000_000);
    redis.call("SET", redis.keys.epoch(), 1);
  }

  private void enqueue(int count) {
    asIfGenerated();
    java.util.List<String> messages = new java.util.ArrayList<>();
    for (int id = 1; id <= count; id++) {
      messages.add(entry(id, 1, 1, 1, "b" + id));
    }
    redis.pushAll(redis.keys.queue(), messages);
  }

  /** The errors list: id -> reason. */
  private Map<Long, String> errors() {
    Map<Long, String> reasons = new java.util.HashMap<>();
    redis.call("LRANGE", redis.keys.errors(), 0, -1).forEach(entry -> {
      io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(entry.toString());
      assertThat(reasons.put(json.getLong("id"), json.getString("error"))).as("entries of id " + json.getLong("id")).isNull();
    });
    return reasons;
  }
}
