package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.RedisConnectionOptions.HostPort;
import dev.redfleet.redis.RedisConnectionOptions.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectionOptionsTest {
  @Test
  void urlFormsGiveTopologyEndpointsCredentialsAndDatabase() {
    RedisConnectionOptions single = RedisConnectionOptions.parse("redis://fleet:p%40ss@db.example:6380/3");
    assertThat(single.topology()).isEqualTo(Topology.STANDALONE);
    assertThat(single.endpoints()).containsExactly(new HostPort("db.example", 6380));
    assertThat(single.user()).isEqualTo("fleet");
    assertThat(single.password()).isEqualTo("p@ss");
    assertThat(single.db()).isEqualTo(3);
    assertThat(single.tls()).isFalse();

    RedisConnectionOptions tls = RedisConnectionOptions.parse("rediss://:secret@localhost:6379");
    assertThat(tls.tls()).isTrue();
    assertThat(tls.user()).isNull();
    assertThat(tls.password()).isEqualTo("secret");

    RedisConnectionOptions sentinel = RedisConnectionOptions.parse("redis-sentinel://a:26379,b,[::1]:26380");
    assertThat(sentinel.topology()).isEqualTo(Topology.SENTINEL);
    assertThat(sentinel.endpoints()).containsExactly(new HostPort("a", 26379), new HostPort("b", 26379), new HostPort("::1", 26380));

    RedisConnectionOptions cluster = RedisConnectionOptions.parse("rediss-cluster://u:pw@h1:7000,h2:7001");
    assertThat(cluster.topology()).isEqualTo(Topology.CLUSTER);
    assertThat(cluster.tls()).isTrue();
    assertThat(cluster.endpoints()).hasSize(2);
  }

  @Test
  void badPortsDatabasesAndShapesAreRejectedWithoutTheSecret() {
    for (String url : List.of("redis://h:99999", "redis://h:0", "redis://:topsecret@h:65536", "redis://h:-1")) {
      assertThatThrownBy(() -> RedisConnectionOptions.parse(url)).hasMessageContaining("out of range")
          .hasMessageNotContaining("topsecret");
    }
    assertThatThrownBy(() -> RedisConnectionOptions.parse("redis://h:1/x")).hasMessageContaining("database index");
    assertThatThrownBy(() -> RedisConnectionOptions.parse("redis://a:1,b:2")).hasMessageContaining("one server");
    assertThatThrownBy(() -> RedisConnectionOptions.parse("redis-cluster://a:1/2")).hasMessageContaining("database 0");
    assertThatThrownBy(() -> RedisConnectionOptions.parse("http://a:1")).hasMessageContaining("must look like");
  }

  @Test
  void describeAndScrubNeverShowASecret() {
    RedisConnectionOptions o = RedisConnectionOptions.parse("redis-sentinel://fleet:Pw-123@s1:1,s2:2")
        .with(null, null, null, null, true, "main", "Sent-456", 0, 1000);
    assertThat(o.describe()).isEqualTo("redis-sentinel://fleet:***@s1:1,s2:2 (master 'main')");
    assertThat(o.toString()).doesNotContain("Pw-123").doesNotContain("Sent-456");
    // what may quote them is redacted by its structure (RedisUrls), not by searching for their text
    assertThat(dev.redfleet.config.RedisUrls.redact("failed at redis://fleet:Pw-123@s1:1 with --redis-sentinel-password Sent-456"))
        .doesNotContain("Pw-123").doesNotContain("Sent-456");
    // a password in the URL wins over the setting
    assertThat(o.password()).isEqualTo("Pw-123");
    assertThat(RedisConnectionOptions.parse("redis://fleet@h:1").with("fromEnv", null, null, null, true, "m", null, 0, 1)
        .password()).isEqualTo("fromEnv");
  }
}
