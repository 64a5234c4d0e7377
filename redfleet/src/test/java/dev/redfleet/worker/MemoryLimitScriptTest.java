package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 item 12 at the script level, on a real redis-server at maxmemory with noeviction: the
 * generator's produce is refused and writes nothing, while claim, finish and retry-due go on, so
 * the queue that would free the memory drains.
 */
class MemoryLimitScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  @AfterEach
  void noLimit() {
    redis.call("CONFIG", "SET", "maxmemory", "0");
  }

  private Response produce() {
    return redis.run(Script.PRODUCE, k().produce(),
        List.of("gen:1", 1, 0, 1_000_000, "", "", "0:x"));
  }

  private static String sha1(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String message(long id) {
    return entry(id, 1, 1700000000000L, 1, "b" + id);
  }

  @Test
  void atMaxmemoryProduceIsRefusedWhileClaimFinishAndRetriesGoOn() {
    List<String> queued = new ArrayList<>();
    for (long id = 1; id <= 2000; id++) {
      queued.add(message(id));
    }
    redis.pushAll(k().queue(), queued);
    redis.call("SET", k().seq(), 2000);
    redis.call("SET", k().epoch(), 1);
    redis.call("SET", k().leader(), "gen:1", "PX", 60_000);
    // a retry as finish writes it: the entry, and its SHA-1 registered under its id
    String retry = entry(2001, 1, 1, 2, "r");
    redis.call("ZADD", k().delayed(), 0, retry);
    redis.call("HSET", k().delayedIds(), "2001", sha1(retry));
    redis.call("SET", k().seq(), 2001);

    redis.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
    redis.call("CONFIG", "SET", "maxmemory", "1");

    assertThatThrownBy(this::produce).hasMessageStartingWith("OOM");
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(2000);
    assertThat(redis.string("GET", k().seq())).isEqualTo("2001");

    // a fresh node: its first claim's heartbeat would be a write that grows memory
    assertThat(redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, 500, 0, "t1")).get(0).size()).isEqualTo(500);
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 1));
    for (long id = 1; id <= 500; id++) {
      // message k of the claim is id k: the queue was filled oldest first
      args.addAll(List.of("t1", Long.toString(id), "1", id % 10 == 0 ? "boom" : ""));
    }
    assertThat(redis.run(Script.FINISH, k().finish(NODE), args).get(0).toLong()).isEqualTo(500);
    assertThat(redis.audited()).isEqualTo(500);
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(50);
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();

    assertThat(redis.run(Script.RETRY_DUE, k().retryDue(), RetryVerticle.args(100, "test-leader")).get(0).toLong()).isEqualTo(1);
    // an empty claim (nothing to take) is not refused either
    redis.call("DEL", k().queue());
    assertThat(redis.run(Script.CLAIM, k().claim("w2"), List.of("w2", 10, 0, "t2")).get(0).size()).isZero();
  }
}
