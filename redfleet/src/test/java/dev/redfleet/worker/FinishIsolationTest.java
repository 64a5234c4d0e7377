package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 item 3: a finish that Redis refuses for some entries must not hold back the others. The
 * worker connects as an ACL user that may not ZADD, so every finish that schedules a retry fails
 * inside the script; the worker splits the batch down to single outcomes, records the refused ones
 * as malformed (raw kept) and every other outcome normally.
 */
class FinishIsolationTest extends RedisTestBase {
  private static final String NODE = "w";
  private static final int MESSAGES = 400;
  private Vertx vertx;

  @AfterEach
  void close() {
    if (vertx != null) {
      TestRedis.await(vertx.close());
    }
  }

  @Test
  void outcomesRedisRefusesInsideTheScriptAreIsolatedAndTheRestAreRecorded() {
    redis.call("ACL", "SETUSER", "nozadd", "on", ">pw", "~*", "&*", "+@all", "-zadd");
    redis.call("SET", redis.keys.seq(), MESSAGES);
    redis.call("SET", redis.keys.epoch(), 1);
    List<String> messages = new ArrayList<>();
    for (long id = 1; id <= MESSAGES; id++) {
      messages.add(entry(id, 1, 1, 1, "b"));
    }
    redis.pushAll(redis.keys.queue(), messages);

    vertx = Vertx.vertx();
    String url = "redis://nozadd:pw@127.0.0.1:" + server.port();
    // 3 attempts: a failure would go to the delayed set with a ZADD, which this user may not run
    WorkerVerticle.Settings settings = new WorkerVerticle.Settings(dev.redfleet.redis.RedisConnector.create(vertx, url), 200, 500, 5000, 1000, 3, 1000, 60_000);
    dev.redfleet.api.Handler failEveryTenth = m -> m.id() % 10 == 0 ? Future.failedFuture("boom") : Future.succeededFuture();
    TestRedis.await(vertx.deployVerticle(new WorkerVerticle(new Scripts(dev.redfleet.redis.RedisConnector.create(vertx, url).pooled(4)), redis.keys,
        NODE, settings, failEveryTenth)));

    Waits.until("every outcome", Duration.ofSeconds(60),
        () -> redis.stat("processed") + redis.stat("malformed") == MESSAGES);
    assertThat(redis.stat("processed")).isEqualTo(MESSAGES - MESSAGES / 10);
    assertThat(redis.stat("malformed")).isEqualTo(MESSAGES / 10);
    assertThat(redis.number("HLEN", redis.keys.inflight(NODE))).isZero();
    assertThat(redis.audited()).isEqualTo(MESSAGES - MESSAGES / 10);
    List<Long> refused = new ArrayList<>();
    for (Response e : redis.call("LRANGE", redis.keys.errors(), 0, -1)) {
      JsonObject entry = new JsonObject(e.toString());
      assertThat(entry.getString("error")).isEqualTo("malformed");
      refused.add(json(entry.getString("raw")).getLong("id"));
    }
    assertThat(refused).hasSize(MESSAGES / 10).allMatch(id -> id % 10 == 0);
  }
}
