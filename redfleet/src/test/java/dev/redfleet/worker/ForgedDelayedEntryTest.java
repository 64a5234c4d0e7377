package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.Redfleet;
import dev.redfleet.api.RedfleetNode;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 section 6 with a real node: the forged delayed entry is moved (or not) by the node's own
 * leader-side retry mover, and its worker handles what the claim gives it.
 */
class ForgedDelayedEntryTest extends RedisTestBase {

  @Test
  void theWorkerHandlesTheRealMessageAndTheForgedDelayedEntryEndsInTheErrorsList() {
    redis.call("SET", redis.keys.seq(), 5);
    redis.call("SET", redis.keys.epoch(), 1);
    redis.call("LPUSH", redis.keys.queue(), entry(5, 1, 1, 1, "real body"));
    String forged = entry(5, 1, 1, 1, "forged body");
    redis.call("ZADD", redis.keys.delayed(), 0, forged);
    // paused: the retry mover runs, the worker takes nothing until the delayed set has been dealt with
    redis.call("SET", redis.keys.paused(), "{\"by\":\"test\",\"at\":0}");

    Map<Long, String> handled = new ConcurrentHashMap<>();
    RedfleetNode node = TestRedis.await(Redfleet.node()
        .handler(message -> {
          handled.merge(message.id(), message.body(), (a, b) -> a + " AND " + b);
          return Future.succeededFuture();
        })
        .env(Map.of())
        .args("--redis", server.url(), "--namespace", "test", "--node-id", "n1", "--source", "none", "--backoff-ms", "20")
        .start());
    try {
      Waits.until("the retry mover dealt with the delayed set", Duration.ofSeconds(20),
          () -> redis.number("ZCARD", redis.keys.delayed()) == 0);
      redis.call("DEL", redis.keys.paused());
      Waits.until("message 5 handled", Duration.ofSeconds(20), () -> redis.stat("processed") + redis.stat("malformed") >= 2);
      Waits.pause(300);

      assertThat(handled).containsExactly(Map.entry(5L, "real body"));
      assertThat(redis.stat("processed")).isEqualTo(1);
      assertThat(redis.stat("malformed")).isEqualTo(1);
      assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(1);
      JsonObject error = new JsonObject(redis.string("LINDEX", redis.keys.errors(), 0));
      assertThat(error.getString("error")).isEqualTo("malformed");
      assertThat(error.getString("raw")).isEqualTo(forged);
    } finally {
      TestRedis.await(node.stop());
    }
  }
}
