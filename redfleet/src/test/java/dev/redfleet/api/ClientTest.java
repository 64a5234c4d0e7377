package dev.redfleet.api;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client as a user's program calls it, with nothing of redfleet but {@code dev.redfleet.api}
 * (the test's own Redis helpers only look at what arrived), against a real redis-server.
 */
class ClientTest extends RedisTestBase {
  private RedfleetClient client;

  /** What a user writes. */
  private RedfleetClient connect(ClientBuilder builder) {
    return builder.env(Map.of()).connect().await();
  }

  @BeforeEach
  void connectClient() {
    client = connect(Redfleet.client().redis(server.url()).namespace("test").set("maxBodyBytes", 64));
  }

  @AfterEach
  void closeClient() {
    client.close().await();
  }

  /** The queue as workers take it: oldest first. */
  private List<JsonObject> queue() {
    List<JsonObject> out = new ArrayList<>();
    redis.call("LRANGE", redis.keys.queue(), 0, -1).forEach(r -> out.add(json(r.toString())));
    Collections.reverse(out);
    return out;
  }

  @Test
  void sendAddsOneMessageSentByAClientAndReturnsItsId() {
    assertThat(client.send("hello").await()).isEqualTo(1L);
    assertThat(client.send("wörld \"quoted\"").await()).isEqualTo(2L);
    List<JsonObject> queue = queue();
    assertThat(queue).extracting(m -> m.getString("body")).containsExactly("hello", "wörld \"quoted\"");
    assertThat(queue).extracting(m -> m.getLong("epoch")).as("epoch 0: sent, not generated").containsOnly(0L);
    assertThat(redis.stat("sent")).isEqualTo(2);
  }

  @Test
  void optionsCarryTheKeyTheHeadersAndTheDelayOnTheRedisClock() {
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    long id = client.send("now", new SendOptions().setKey("order-1").addHeader("traceparent", traceparent)).await();
    long delayed = client.send("later", new SendOptions().setDelay(Duration.ofMinutes(5))).await();
    long at = client.send("at", new SendOptions().setAt(java.time.Instant.now().plus(Duration.ofHours(1)))).await();

    JsonObject now = queue().get(0);
    assertThat(now.getLong("id")).isEqualTo(id);
    assertThat(now.getString("key")).isEqualTo("order-1");
    assertThat(now.getJsonObject("headers").getMap()).isEqualTo(Map.of("traceparent", traceparent));
    assertThat(queue()).hasSize(1);

    List<String> waiting = new ArrayList<>();
    redis.call("ZRANGE", redis.keys.delayed(), 0, -1).forEach(r -> waiting.add(r.toString()));
    assertThat(waiting).hasSize(2);
    JsonObject later = json(waiting.get(0));
    assertThat(later.getLong("id")).isEqualTo(delayed);
    assertThat(later.getLong("ts") - later.getLong("sent")).as("due 5 minutes after it reached Redis").isEqualTo(300_000);
    assertThat(redis.number("ZSCORE", redis.keys.delayed(), waiting.get(0))).isEqualTo(later.getLong("ts"));
    assertThat(json(waiting.get(1)).getLong("id")).isEqualTo(at);
  }

  @Test
  void sendAllReturnsIdsInListOrderAndTheQueueKeepsThatOrder() {
    List<NewMessage> messages = new ArrayList<>();
    for (int i = 0; i < 1234; i++) {
      messages.add(NewMessage.of("m" + i));
    }
    List<Long> ids = client.sendAll(messages).await();
    assertThat(ids).hasSize(1234);
    for (int i = 0; i < ids.size(); i++) {
      assertThat(ids.get(i)).isEqualTo(i + 1L);
    }
    List<JsonObject> queue = queue();
    assertThat(queue).hasSize(1234);
    for (int i = 0; i < queue.size(); i++) {
      assertThat(queue.get(i).getString("body")).isEqualTo("m" + i);
    }
    assertThat(client.sendAll(List.of()).await()).isEmpty();
  }

  @Test
  void aKeySentAgainInsideTheWindowReturnsTheFirstIdAndAddsNothing() {
    long first = client.send("a", new SendOptions().setKey("k")).await();
    assertThat(client.send("b", new SendOptions().setKey("k")).await()).isEqualTo(first);
    assertThat(client.sendAll(List.of(NewMessage.of("c", new SendOptions().setKey("k")), NewMessage.of("d"))).await())
        .containsExactly(first, first + 1);
    assertThat(queue()).extracting(m -> m.getString("body")).containsExactly("a", "d");
    assertThat(redis.number("PTTL", redis.keys.dedup("k"))).as("the dedup window (24 h by default)")
        .isBetween(86_000_000L, 86_400_000L);
  }

  @Test
  void manyThreadsSendingOneKeyAtOnceAddOneMessageAndAllGetItsId() throws Exception {
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        String body = "from thread " + t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 20; i++) {
            ids.add(client.send(body, new SendOptions().setKey("payment-7")).await());
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ids).hasSize(1);
    assertThat(queue()).hasSize(1);
    assertThat(redis.stat("sent")).isEqualTo(1);
  }

  @Test
  void aMessageOverALimitFailsWithOneLineAndNothingIsSent() {
    String big = "x".repeat(65);
    assertThatThrownBy(() -> client.send(big).await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("body is 65 bytes, more than maxBodyBytes (64)");
    assertThatThrownBy(() -> client.sendAll(List.of(NewMessage.of("fine"), NewMessage.of(big))).await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("message 2: body is 65 bytes, more than maxBodyBytes (64)");
    assertThatThrownBy(() -> client.send("x", new SendOptions().addHeader("bad name", "v")).await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("header name must be");
    assertThatThrownBy(() -> client.send("x", new SendOptions().setDelay(Duration.ofMillis(-1))).await())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be between 0 ms and 10 years");
    assertThatThrownBy(() -> client.send((String) null).await()).isInstanceOf(IllegalArgumentException.class);
    assertThat(queue()).isEmpty();
    assertThat(redis.number("GET", redis.keys.seq())).as("no id was used").isZero();
  }

  @Test
  void closeLetsSendsAlreadyMadeFinishThenRefusesNewOnes() {
    List<Future<Long>> before = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      before.add(client.send("m" + i));
    }
    Future<Void> closed = client.close();
    closed.await();
    for (Future<Long> f : before) {
      assertThat(f.succeeded()).isTrue();
    }
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2000);
    assertThatThrownBy(() -> client.send("late").await())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the redfleet client is closed");
    assertThat(client.close()).as("closing again is harmless").isSameAs(closed);
  }

  @Test
  void onTheCallersVertxItsFuturesCompleteOnTheCallersContextAndCloseLeavesItsVertxOpen() throws Exception {
    Vertx mine = Vertx.vertx();
    try {
      Context context = mine.getOrCreateContext();
      // connected from the event loop too: connect() must not block it (Vert.x refuses an await there)
      Promise<RedfleetClient> connected = Promise.promise();
      context.runOnContext(v -> Redfleet.client().vertx(mine).redis(server.url()).namespace("test").env(Map.of())
          .connect()
          .onComplete(result -> connected.handle(Vertx.currentContext() == context ? result
              : Future.failedFuture(new AssertionError("connect() completed off the caller's context")))));
      RedfleetClient shared = connected.future().await(20, TimeUnit.SECONDS);
      Promise<Boolean> sameContext = Promise.promise();
      // sends from this thread first, so that the event loop's send waits its turn and goes out
      // with a call started elsewhere: its answer must still come back on the event loop's context
      List<Future<Long>> fromMain = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        fromMain.add(shared.send("from main"));
      }
      context.runOnContext(v -> shared.send("from an event loop")
          .onSuccess(id -> sameContext.complete(Vertx.currentContext() == context))
          .onFailure(sameContext::fail));
      assertThat(sameContext.future().await(10, TimeUnit.SECONDS)).isTrue();
      shared.close().await();
      Future<Void> tick = mine.timer(1, TimeUnit.MILLISECONDS);
      tick.await(10, TimeUnit.SECONDS);
      assertThat(tick.succeeded()).as("the caller's Vert.x still runs").isTrue();
      assertThat(Future.all(fromMain).succeeded()).isTrue();
      assertThat(queue()).hasSize(20_001).extracting(m -> m.getString("body")).contains("from an event loop");
    } finally {
      mine.close().await();
    }
  }

  /** Plain Java, no Vert.x type: CompletableFutures, completed off the event loops, join() waits. */
  @Test
  void plainJavaCodeConnectsSendsAndClosesWithCompletableFutures() throws Exception {
    RedfleetClient plain = Redfleet.client().redis(server.url()).namespace("test").set("maxBodyBytes", 64)
        .env(Map.of()).connectAsync().join();
    java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    long first = plain.sendAsync("plain").thenApply(id -> {
      threads.add(Thread.currentThread().getName());
      return id;
    }).join();
    List<Long> more = plain.sendAllAsync(List.of(NewMessage.of("b"), NewMessage.of("c")))
        .whenComplete((ids, e) -> threads.add(Thread.currentThread().getName())).join();
    assertThat(first).isEqualTo(1L);
    assertThat(more).containsExactly(2L, 3L);
    assertThat(plain.sendAsync("keyed", new SendOptions().setKey("k1")).join())
        .isEqualTo(plain.sendAsync(NewMessage.of("again", new SendOptions().setKey("k1"))).join());
    assertThat(threads).isNotEmpty().noneMatch(name -> name.startsWith("vert.x-eventloop"));
    assertThatThrownBy(() -> plain.sendAsync("x".repeat(100)).join())
        .isInstanceOf(java.util.concurrent.CompletionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    plain.closeAsync().join();
    assertThat(queue()).extracting(m -> m.getString("body")).containsExactly("plain", "b", "c", "keyed");
  }

  @Test
  void connectRefusesANamespaceInUseByAnotherReleasesDataFormatAndSendsNothing() {
    redis.call("SET", "{other}:format", "1");
    redis.call("LPUSH", "{other}:queue", "{\"id\":1,\"epoch\":1,\"body\":\"theirs\"}");
    assertThatThrownBy(() -> connect(Redfleet.client().redis(server.url()).namespace("other")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("namespace 'other' holds fleet state in data format '1', this release reads and writes format ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(redis.number("LLEN", "{other}:queue")).isEqualTo(1);
    assertThat(redis.string("GET", "{other}:format")).isEqualTo("1");
  }

  @Test
  void connectFailsWithOneLineForABadSettingAnUnreachableRedisAndRefusedCredentials() throws Exception {
    assertThatThrownBy(() -> connect(Redfleet.client().redis(server.url()).set("maxBodyBytes", "lots")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad configuration: maxBodyBytes must be a whole number, got 'lots' (from option --max-body-bytes)");
    assertThatThrownBy(() -> connect(Redfleet.client().redis(server.url()).set("maxBodySize", 10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown setting 'maxBodySize' given to set()");
    int closedPort = RedisServer.freePort();
    assertThatThrownBy(() -> connect(Redfleet.client().redis("redis://127.0.0.1:" + closedPort)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("Redis unreachable at redis://127.0.0.1:" + closedPort + ": ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

    try (RedisServer guarded = RedisServer.start("--requirepass", "S3cret-Pw9")) {
      assertThatThrownBy(() -> connect(Redfleet.client().redis("redis://127.0.0.1:" + guarded.port()).password("Wr0ng-Pw1")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("refused the credentials")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Wr0ng-Pw1").doesNotContain("\n"));
      // the password from the environment given, the URL from the builder
      RedfleetClient ok = Redfleet.client().redis("redis://127.0.0.1:" + guarded.port()).namespace("test")
          .env(Map.of("REDIS_PASSWORD", "S3cret-Pw9")).connect().await();
      try (TestRedis guardedRedis = new TestRedis("redis://:S3cret-Pw9@127.0.0.1:" + guarded.port(), "test")) {
        assertThat(ok.send("in").await()).isEqualTo(1L);
        assertThat(guardedRedis.number("LLEN", guardedRedis.keys.queue())).isEqualTo(1);
      } finally {
        ok.close().await();
      }
    }
  }
}
