package dev.redfleet.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Issue 15 section 6: the human status output never passes control characters from Redis to the terminal. */
class StatusReportTest extends RedisTestBase {

  @Test
  void valuesReadFromRedisArePrintedWithTheirControlCharactersEscaped() {
    // a node id, a leader value, who paused, a counter name and value: all written by hand
    redis.call("ZADD", redis.keys.nodes(), 1, "evil\u001b]0;owned\u0007");
    redis.call("SET", redis.keys.leader(), "\u001b[2J\u001b[Hnot a lease");
    redis.call("SET", redis.keys.paused(), "{\"by\":\"carol\u009b31m\",\"at\":0}");
    redis.call("HSET", redis.keys.stats(), "processed\u007f", "\u001b[5m1");

    JsonObject status = TestRedis.await(StatusReport.take(new Scripts(redis.client()), redis.keys, 3000));
    String human = StatusReport.human(status);

    for (String line : human.split("\n", -1)) {
      assertThat(line.chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)).toArray()).as(line).isEmpty();
    }
    assertThat(human)
        .contains("    evil\\u001b]0;owned\\u0007  SILENT")
        .contains("the leader key holds '\\u001b[2J\\u001b[Hnot a lease'")
        .contains(" by carol\\u009b31m:")
        .contains("processed\\u007f=\\u001b[5m1 ");
  }
}
