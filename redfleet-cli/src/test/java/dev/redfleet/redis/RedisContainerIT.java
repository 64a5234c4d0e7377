package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Docker;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two fleet JVMs against a Redis that Testcontainers runs in a container (the local base image,
 * host network), instead of a redis-server process: the fleet needs nothing but the URL.
 */
class RedisContainerIT {
  private static final long LIMIT = 400;

  @Test
  void fleetFinishesEveryMessageOnRedisInAContainer() {
    Docker.requireEngineAndBaseImage();
    long start = System.nanoTime();
    try (RedisServer server = RedisServer.inContainer();
         TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      System.out.println("FIGURE Testcontainers Redis ready in " + (System.nanoTime() - start) / 1_000_000 + " ms");
      assertThat(redis.string("INFO", "server")).contains("redis_version");
      List<String> options = List.of("--interval-ms", "5", "--limit", Long.toString(LIMIT), "--max-delay-ms", "50");
      try (FleetProcess a = FleetProcess.node(server.url(), "tc-a", options);
           FleetProcess b = FleetProcess.node(server.url(), "tc-b", options)) {
        Waits.until(LIMIT + " outcomes", Duration.ofSeconds(120), () -> redis.stat("processed") >= LIMIT);
        assertThat(redis.stat("produced")).isEqualTo(LIMIT);
        assertThat(redis.stat("processed")).isEqualTo(LIMIT);
        assertThat(redis.stat("duplicates")).isZero();
        assertThat(redis.audited()).isEqualTo(LIMIT);
        assertThat(a.terminate(30)).isEqualTo(143);
        assertThat(b.terminate(30)).isEqualTo(143);
      }
    }
  }
}
