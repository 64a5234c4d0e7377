package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 7 item 14: an ACL user without BLMOVE must not make a node flood its log. */
class RepeatedFailureLogIT {

  @Test
  void aFailureThatRepeatsIsLoggedOnceNotPerAttempt() throws Exception {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      // someone else holds the lease: this node is a worker, finds the queue empty and blocks in BLMOVE
      redis.call("SET", redis.keys.leader(), "elsewhere:1", "PX", 60_000);
      try (FleetProcess node = FleetProcess.node(server.url(), "w", List.of("--workers", "2"))) {
        Waits.until("the node to join", Duration.ofSeconds(30),
            () -> redis.call("ZSCORE", redis.keys.nodes(), "w") != null);
        // every BLMOVE and claim now fails the same way, again and again (a refused ACL would end
        // the node with exit 4 instead: RedisAuthIT); before the throttle: about 43 lines a second
        redis.call("SET", redis.keys.queue(), "not a list");
        Waits.until("the node to meet the failure", Duration.ofSeconds(30), () -> node.logText().contains("WRONGTYPE"));
        // each activity says it once (two worker verticles, BLMOVE and claim); then silence
        Waits.pause(1500);
        long before = node.logText().lines().count();
        Waits.pause(5000);
        long after = node.logText().lines().count();
        assertThat(node.alive()).isTrue();
        long lines = after - before;
        System.out.println("FIGURE repeated WRONGTYPE: " + lines + " log lines in 5 s (" + after + " in all)");
        assertThat(lines).as(node.logText()).isLessThanOrEqualTo(1);
        // said once per activity that meets it (worker verticles' BLMOVE and claim), not per attempt
        assertThat(node.logText().lines().filter(l -> l.contains("WRONGTYPE")).count()).as(node.logText()).isBetween(1L, 4L);
      }
    }
  }
}
