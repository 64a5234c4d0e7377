package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import org.junit.jupiter.api.Test;

/** The oldest Redis the fleet runs on: the comparison, and the check against a real redis-server. */
class RedisVersionTest extends RedisTestBase {

  @Test
  void versionsFrom62OnPassAndOlderOnesDoNot() {
    assertThat(RedisVersion.atLeast("6.2.0", RedisVersion.MINIMUM)).isTrue();
    assertThat(RedisVersion.atLeast("6.2.11", RedisVersion.MINIMUM)).isTrue();
    assertThat(RedisVersion.atLeast("7.0.15", RedisVersion.MINIMUM)).isTrue();
    assertThat(RedisVersion.atLeast("10.0.0", RedisVersion.MINIMUM)).as("compared as numbers, not text").isTrue();
    assertThat(RedisVersion.atLeast("6.0.16", RedisVersion.MINIMUM)).isFalse();
    assertThat(RedisVersion.atLeast("5.0.14.1", RedisVersion.MINIMUM)).isFalse();
    assertThat(RedisVersion.atLeast("6.1.255", RedisVersion.MINIMUM)).isFalse();
    assertThat(RedisVersion.atLeast("7.2.4-rc1", RedisVersion.MINIMUM)).isTrue();
    assertThat(RedisVersion.version("# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\n")).isEqualTo("6.0.16");
    assertThat(RedisVersion.version("# Server\r\n")).isNull();
  }

  @Test
  void aUserWhoseAclRefusesInfoIsLetThroughWithoutAVersion() {
    redis.call("ACL", "SETUSER", "noinfo", "reset", "on", ">noinfo-pw", "~*", "+@all", "-info");
    try (TestRedis noInfo = new TestRedis("redis://noinfo:noinfo-pw@127.0.0.1:" + server.port(), "test")) {
      assertThat(TestRedis.await(RedisVersion.check(noInfo.client(), "the test server"))).isNull();
    } finally {
      redis.call("ACL", "DELUSER", "noinfo");
    }
  }

  @Test
  void theCheckReadsTheVersionOfARealServer() {
    String version = TestRedis.await(RedisVersion.check(redis.client(), server.url()));
    assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(RedisVersion.atLeast(version, RedisVersion.MINIMUM)).isTrue();
  }
}
