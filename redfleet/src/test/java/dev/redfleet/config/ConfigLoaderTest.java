package dev.redfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private Path file(String json) throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(f, json);
    return f;
  }

  @Test
  void defaultsApplyWhenNothingIsGiven() {
    FleetConfig c = ConfigLoader.load(vertx, null, Map.of(), Map.of());
    assertThat(c.redisUrl()).isEqualTo("redis://localhost:6379");
    assertThat(c.namespace()).isEqualTo("redfleet");
    assertThat(c.intervalMs()).isEqualTo(500);
    assertThat(c.leaseMs()).isEqualTo(2000);
    assertThat(c.renewMs()).isEqualTo(500);
    assertThat(c.retryMs()).isEqualTo(250);
    assertThat(c.errorRate()).isEqualTo(0.15);
    assertThat(c.maxDelayMs()).isEqualTo(1000);
    assertThat(c.nodeId()).isNotBlank();
  }

  @Test
  void fileIsOverriddenByEnvironmentWhichIsOverriddenByTheCommandLine() throws Exception {
    Path f = file("{\"workers\": 3, \"concurrency\": 10, \"intervalMs\": 100, \"namespace\": \"fromfile\"}");
    FleetConfig c = ConfigLoader.load(vertx, f,
        Map.of("REDFLEET_CONCURRENCY", "20", "REDFLEET_INTERVAL_MS", "200", "REDIS_URL", "redis://env:1"),
        Map.of(Setting.INTERVAL_MS, "300"));
    assertThat(c.workers()).isEqualTo(3);
    assertThat(c.namespace()).isEqualTo("fromfile");
    assertThat(c.concurrency()).isEqualTo(20);
    assertThat(c.redisUrl()).isEqualTo("redis://env:1");
    assertThat(c.intervalMs()).isEqualTo(300);
  }

  @Test
  void badValuesNameTheSettingAndWhereItCameFrom() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.WORKERS, "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("workers must be between 1 and 64, got 0 (from option --workers)");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of("REDFLEET_CONCURRENCY", "many"), Map.of()))
        .hasMessage("concurrency must be a whole number, got 'many' (from environment variable REDFLEET_CONCURRENCY)");
    Path f = file("{\"intervalMs\": \"-5\"}");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, f, Map.of(), Map.of()))
        .hasMessageContaining("intervalMs must be between 0 and 3600000, got -5 (from 'intervalMs' in ");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.ERROR_RATE, "1.5")))
        .hasMessage("errorRate must be between 0 and 1, got 1.5 (from option --error-rate)");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.REDIS_URL, "http://x")))
        .hasMessageContaining("redisUrl must look like redis://host:port");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.RENEW_MS, "5000")))
        .hasMessage("renewMs (5000) must be shorter than leaseMs (2000)");
  }

  /**
   * Issue 15 section 5: the leader steps down leaseMs minus max(50 ms, leaseMs / 10) after sending its
   * last renewal; a renewal period that long (it used to pass, being shorter than leaseMs) made the
   * leader step down between any two renewals.
   */
  @Test
  void renewMsMustLeaveRoomBeforeTheLeaderStepsDown() {
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.RENEW_MS, "1900")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("renewMs (1900) leaves no room before leaseMs (2000): a leader steps down 1800 ms after sending its "
            + "last renewal (leaseMs minus a margin of max(50 ms, leaseMs / 10) = 200 ms), so renewMs must be below 1800");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.RENEW_MS, "1800")))
        .hasMessageStartingWith("renewMs (1800) leaves no room before leaseMs (2000)");
    assertThat(ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.RENEW_MS, "1799")).renewMs()).isEqualTo(1799);
    // a short lease: the margin is 50 ms
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.LEASE_MS, "300", Setting.RENEW_MS, "250")))
        .hasMessageContaining("renewMs must be below 250");
    assertThat(ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.LEASE_MS, "300", Setting.RENEW_MS, "249")).renewMs())
        .isEqualTo(249);
    // no room at all
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.LEASE_MS, "50", Setting.RENEW_MS, "1")))
        .hasMessageStartingWith("renewMs (1) leaves no room before leaseMs (50)");
  }

  /**
   * Issue 15 section 5: {@code unix://} passed the checks and failed in the Redis client ("Failed to
   * parse the connection string", exit 1); a unix socket URL without an absolute path is now a
   * configuration error like any other bad URL (exit 2).
   */
  @Test
  void aUnixSocketUrlMustNameAnAbsolutePath() {
    for (String bad : List.of("unix://", "unix://tmp/redis.sock", "unix:// /tmp/x", "unix:///")) {
      assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.REDIS_URL, bad)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessage("redisUrl '" + bad + "': a unix socket URL must name the socket's absolute path, "
              + "like unix:///var/run/redis/redis.sock");
    }
    for (String good : List.of("unix:///tmp/redis.sock", "unix://:s3cret@/tmp/redis.sock", "unix:///tmp/redis.sock?db=2")) {
      assertThat(ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.REDIS_URL, good)).redis().unixSocket()).as(good)
          .isEqualTo(good);
    }
  }

  @Test
  void everySettingHasAnUpperBound() {
    for (Setting s : Setting.values()) {
      assertThat(s.max).as(s.key).isGreaterThanOrEqualTo(s.min).isLessThanOrEqualTo(Setting.MAX_MESSAGE_ID);
    }
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.CONCURRENCY, "100001")))
        .hasMessage("concurrency must be between 1 and 100000, got 100001 (from option --concurrency)");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.NAMESPACE, "n".repeat(5000))))
        .hasMessage("namespace is too long: 5000 characters, at most 4096 (from option --namespace)");
  }

  @Test
  void unknownKeysMissingFilesAndBrokenJsonAreReported() throws Exception {
    Path typo = file("{\"wrokers\": 3}");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, typo, Map.of(), Map.of()))
        .hasMessageStartingWith("unknown setting 'wrokers' in ");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, dir.resolve("missing.json"), Map.of(), Map.of()))
        .hasMessageStartingWith("cannot read config file ").hasMessageContaining("missing.json");
    Path broken = file("{\"workers\": ");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, broken, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cannot read config file ");
  }

  @Test
  void passwordsAreRedacted() {
    assertThat(RedisUrls.redact("redis://:s3cret@host:6379/0")).isEqualTo("redis://:***@host:6379/0");
    assertThat(RedisUrls.redact("redis://user:s3cret@host:6379")).isEqualTo("redis://user:***@host:6379");
    assertThat(RedisUrls.redact("redis://host:6379")).isEqualTo("redis://host:6379");
    assertThatThrownBy(() -> ConfigLoader.load(vertx, null, Map.of(), Map.of(Setting.REDIS_URL, "http://:s3cret@x")))
        .hasMessageNotContaining("s3cret");
  }
}
