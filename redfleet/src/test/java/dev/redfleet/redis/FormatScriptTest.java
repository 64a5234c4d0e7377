package dev.redfleet.redis;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.testing.RedisTestBase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** format.lua: a namespace's data format is taken when absent or idle, and kept while anything uses it. */
class FormatScriptTest extends RedisTestBase {

  private String format(int mine) {
    return redis.run(Script.FORMAT, redis.keys.formatCheck(), List.of(mine)).toString();
  }

  @Test
  void aNewNamespaceTakesTheCallersFormat() {
    assertThat(format(2)).isEqualTo("2");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("2");
    assertThat(format(2)).isEqualTo("2");
  }

  @Test
  void aNamespaceInUseKeepsItsFormatWhateverTheCallerSpeaks() {
    redis.call("SET", redis.keys.format(), "1");
    redis.call("ZADD", redis.keys.nodes(), 1, "old-node");
    assertThat(format(2)).isEqualTo("1");
    redis.call("DEL", redis.keys.nodes());
    redis.call("LPUSH", redis.keys.queue(), entry(1, 1, "waiting"));
    assertThat(format(2)).isEqualTo("1");
    redis.call("DEL", redis.keys.queue());
    redis.call("ZADD", redis.keys.delayed(), 1, entry(2, 1, "later"));
    assertThat(format(2)).isEqualTo("1");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("1");
  }

  @Test
  void anIdleNamespaceTakesTheFormatOfWhoeverComesFirst() {
    redis.call("SET", redis.keys.format(), "1");
    redis.call("RPUSH", redis.keys.errors(), "{\"id\":3,\"error\":\"kept readable\"}");
    assertThat(format(2)).isEqualTo("2");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("2");
  }

  @Test
  void aKeyOfTheWrongTypeIsRefusedAndNothingChanges() {
    redis.call("LPUSH", redis.keys.format(), "x");
    assertThatThrownBy(() -> format(2)).hasMessageContaining("redfleet:").hasMessageContaining("nothing was changed");
    assertThat(redis.number("LLEN", redis.keys.format())).isEqualTo(1);
  }
}
