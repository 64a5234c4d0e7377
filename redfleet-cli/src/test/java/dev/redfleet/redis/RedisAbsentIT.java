package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** Fault 6: Redis is not there yet when the fleet starts. */
class RedisAbsentIT {
  // the two cases mostly wait (for backoff lines, for a Redis that is not there), each on its own
  // port: they run side by side

  @Test
  @Execution(ExecutionMode.CONCURRENT)
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

  /**
   * Issue 17 item 6: a node that waits for Redis says so again now and then ("still unreachable
   * after N s"), one line per process and interval, not per retry, and stops once Redis is there.
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aNodeWaitingForRedisSaysSoAgainEveryIntervalUntilItComes() throws Exception {
    int port = RedisServer.freePort();
    String url = "redis://127.0.0.1:" + port;
    try (FleetProcess node = FleetProcess.start("still-absent", List.of("run", "--redis", url, "--node-id", "late",
        "--interval-ms", "100"), java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dredfleet.unreachableLogMs=2000"))) {
      Waits.until("two 'still unreachable' lines", Duration.ofSeconds(30), () -> still(node).size() >= 2);
      Waits.pause(3000);
      List<String> lines = still(node);
      long seconds = 0;
      for (String line : lines) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("still unreachable after (\\d+) s \\(").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        assertThat(Long.parseLong(m.group(1))).as(lines.toString()).isGreaterThan(seconds);
        seconds = Long.parseLong(m.group(1));
        assertThat(line).contains("Connection refused").contains("anchor connection");
      }
      long warnings = node.logText().lines().filter(l -> l.contains(" WARN ")).count();
      // the first line of each activity, then one line per interval for the whole process
      assertThat(warnings).as(node.logText()).isLessThanOrEqualTo(lines.size() + 10L);
      try (RedisServer server = RedisServer.startOn(port); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
        Waits.until("the node to generate", Duration.ofSeconds(20),
            () -> "late:1".equals(redis.string("GET", redis.keys.leader())) && redis.number("GET", redis.keys.seq()) > 0);
        int before = still(node).size();
        Waits.pause(5000);
        assertThat(still(node)).as("no 'still unreachable' once Redis is there").hasSize(before);
        System.out.println("FIGURE Redis absent at start, said again: " + lines);
      }
    }
  }

  private static List<String> still(FleetProcess node) {
    return node.logText().lines().filter(l -> l.contains("Redis still unreachable after")).toList();
  }
}
