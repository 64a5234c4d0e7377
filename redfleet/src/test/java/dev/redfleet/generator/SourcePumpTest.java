package dev.redfleet.generator;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The generator with a {@link Source}, in this JVM against a real Redis: it resumes after the
 * committed cursor, hands over between epochs without losing or repeating an item, keeps the limit
 * exactly, refuses a source that breaks the contract, and does not call Redis while the source is idle.
 */
class SourcePumpTest extends RedisTestBase {
  private final List<Vertx> nodes = new ArrayList<>();

  /** item-1, item-2, ... up to {@code total} (0 = no end): the cursor is the number of the last item. */
  private static class Counting implements Source {
    final long total;
    final AtomicInteger calls = new AtomicInteger();

    Counting(long total) {
      this.total = total;
    }

    @Override
    public Future<SourceBatch> next(String cursor, int max) {
      calls.incrementAndGet();
      long from = cursor == null ? 0 : Long.parseLong(cursor);
      long to = total == 0 ? from + max : Math.min(total, from + max);
      List<SourceItem> items = new ArrayList<>();
      for (long i = from + 1; i <= to; i++) {
        items.add(SourceItem.of("item-" + i, Map.of("n", Long.toString(i))));
      }
      return Future.succeededFuture(SourceBatch.of(items, to == from ? null : Long.toString(to)));
    }
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(v -> TestRedis.await(v.close()));
  }

  /** A node: its own Vert.x and generator, made the leader of {@code epoch} (the lease set in Redis). */
  private Vertx generator(Source source, int batchSize, long limit, String token) {
    return generator(source, batchSize, limit, 0, token);
  }

  private Vertx generator(Source source, int batchSize, long limit, long rate, String token) {
    Vertx vertx = Vertx.vertx();
    nodes.add(vertx);
    Redis client = RedisConnector.create(vertx, server.url()).pooled(2);
    GeneratorVerticle.Settings settings = new GeneratorVerticle.Settings(0, batchSize, limit, 1_000_000, 15_000, rate, 20, 1_048_576);
    TestRedis.await(vertx.deployVerticle(new GeneratorVerticle(new Scripts(client), new Keys("test"), settings,
        NodeMetrics.OFF, source)));
    lead(vertx, token);
    return vertx;
  }

  private void lead(Vertx vertx, String token) {
    redis.call("SET", redis.keys.leader(), token, "PX", 60_000);
    long epoch = Long.parseLong(token.substring(token.indexOf(':') + 1));
    vertx.eventBus().publish(Leadership.ADDRESS, new Leadership(true, epoch, token).toJson());
  }

  private long seq() {
    return redis.number("GET", redis.keys.seq());
  }

  /** Every message in the queue, oldest first. */
  private List<JsonObject> queue() {
    List<JsonObject> messages = new ArrayList<>();
    List<io.vertx.redis.client.Response> raw = new ArrayList<>();
    redis.call("LRANGE", redis.keys.queue(), 0, -1).forEach(raw::add);
    for (int i = raw.size() - 1; i >= 0; i--) {
      messages.add(json(raw.get(i).toString()));
    }
    return messages;
  }

  private static List<String> expected(long from, long to) {
    List<String> bodies = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      bodies.add("item-" + i);
    }
    return bodies;
  }

  @Test
  void itResumesAfterTheCommittedCursorAndCommitsItsOwn() {
    redis.call("SET", redis.keys.sourceCursor(), "100");
    generator(new Counting(250), 40, 0, "a:1");
    Waits.until("150 messages", Duration.ofSeconds(20), () -> seq() == 150);
    Waits.until("the cursor after them", Duration.ofSeconds(20), () -> "250".equals(redis.string("GET", redis.keys.sourceCursor())));
    List<JsonObject> messages = queue();
    assertThat(messages).extracting(m -> m.getString("body")).isEqualTo(expected(101, 250));
    assertThat(messages).extracting(m -> m.getLong("id")).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, 150).boxed().toList());
    assertThat(messages.get(0).getJsonObject("headers").getString("n")).isEqualTo("101");
  }

  @Test
  void aNewEpochGoesOnExactlyWhereTheLastCommittedBatchEnded() {
    Counting source = new Counting(3000);
    // paced, so that it is mid-way when the lease moves on
    Vertx first = generator(source, 7, 0, 2000, "a:1");
    Waits.until("the first generator under way", Duration.ofSeconds(20), () -> seq() >= 300);
    // the lease moves on without the first generator being told: its next produce is fenced
    Vertx second = Vertx.vertx();
    nodes.add(second);
    Redis client = RedisConnector.create(second, server.url()).pooled(2);
    TestRedis.await(second.deployVerticle(new GeneratorVerticle(new Scripts(client), new Keys("test"),
        new GeneratorVerticle.Settings(0, 500, 0, 1_000_000, 15_000, 0, 20, 1_048_576), NodeMetrics.OFF, new Counting(3000))));
    lead(second, "b:2");
    Waits.until("3000 messages", Duration.ofSeconds(30), () -> seq() == 3000);
    Waits.pause(200);
    assertThat(seq()).isEqualTo(3000);
    List<JsonObject> messages = queue();
    assertThat(messages).extracting(m -> m.getString("body")).isEqualTo(expected(1, 3000));
    long fromFirst = messages.stream().filter(m -> m.getLong("epoch") == 1).count();
    assertThat(fromFirst).isBetween(300L, 2999L);
    assertThat(messages.subList(0, (int) fromFirst)).allMatch(m -> m.getLong("epoch") == 1);
    assertThat(first).isNotNull();
  }

  @Test
  void theLimitIsKeptExactlyWhenBatchesDoNotDivideIt() {
    generator(new Counting(0), 10, 25, "a:1");
    Waits.until("25 messages", Duration.ofSeconds(20), () -> seq() == 25);
    Waits.pause(300);
    assertThat(seq()).isEqualTo(25);
    assertThat(queue()).extracting(m -> m.getString("body")).isEqualTo(expected(1, 25));
    assertThat(redis.string("GET", redis.keys.sourceCursor())).isEqualTo("25");
  }

  @Test
  void aSourceThatBreaksTheContractProducesNothing() {
    AtomicInteger calls = new AtomicInteger();
    Source noCursor = (cursor, max) -> {
      calls.incrementAndGet();
      return Future.succeededFuture(SourceBatch.of(List.of(SourceItem.of("x")), null));
    };
    Source badHeader = (cursor, max) -> Future.succeededFuture(
        SourceBatch.of(List.of(SourceItem.of("x", Map.of("bad name", "v"))), "1"));
    generator(noCursor, 10, 0, "a:1");
    Waits.until("the source asked again after its failure", Duration.ofSeconds(10), () -> calls.get() >= 3);
    assertThat(seq()).isZero();
    redis.call("FLUSHALL");
    generator(badHeader, 10, 0, "b:2");
    Waits.pause(500);
    assertThat(seq()).isZero();
    assertThat(redis.string("GET", redis.keys.sourceCursor())).isNull();
  }

  @Test
  void anIdleSourceIsPolledWithoutAnyRedisWrite() {
    Counting empty = new Counting(0) {
      @Override
      public Future<SourceBatch> next(String cursor, int max) {
        calls.incrementAndGet();
        return Future.succeededFuture(SourceBatch.empty());
      }
    };
    redis.call("CONFIG", "RESETSTAT");
    generator(empty, 10, 0, "a:1");
    Waits.pause(1000);
    // a 20 ms poll: about 50 calls in a second, none of which reached Redis
    assertThat(empty.calls.get()).isGreaterThanOrEqualTo(10);
    String stats = redis.string("INFO", "commandstats");
    assertThat(stats).doesNotContain("cmdstat_evalsha").doesNotContain("cmdstat_eval:");
    assertThat(seq()).isZero();
  }
}
