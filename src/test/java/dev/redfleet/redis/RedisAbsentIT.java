package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fault 6: Redis is not there yet when the fleet starts. */
class RedisAbsentIT {

  @Test
  void runWaitsLogsOnceAndJoinsWhenRedisAppearsWhileOneShotCommandsExitThree() throws Exception {
    int port = RedisServer.freePort();
    String url = "redis://127.0.0.1:" + port;
    assertThat(FleetProcess.oneShot(List.of("status", "--redis", url)).exitCode()).isEqualTo(3);
    assertThat(FleetProcess.oneShot(List.of("getErrors", "--redis", url)).exitCode()).isEqualTo(3);

    try (FleetProcess node = FleetProcess.node(url, "early", List.of("--interval-ms", "100"))) {
      Waits.pause(4000);
      assertThat(node.alive()).isTrue();
      String log = node.logText();
      assertThat(log).contains("Redis call failed").contains("retrying with backoff");
      long warnings = log.lines().filter(l -> l.contains(" WARN ")).count();
      // one line per activity when the outage starts, not one per retry
      assertThat(warnings).isBetween(1L, 10L);
      try (RedisServer server = RedisServer.startOn(port); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
        long joinedMs = Waits.until("the node to generate", Duration.ofSeconds(20),
            () -> "early:1".equals(redis.string("GET", redis.keys.leader())) && redis.number("GET", redis.keys.seq()) > 0);
        assertThat(node.logText()).contains("Redis reachable again");
        System.out.println("FIGURE Redis absent at start: the node logged " + warnings + " warning(s) in 4 s and generated "
            + joinedMs + " ms after Redis appeared");
      }
    }
  }
}
