package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 7 item 11: a leader whose generator cannot produce gives the lease up instead of renewing it forever. */
class GeneratorGiveUpIT {

  @Test
  void aLeaderThatCannotProduceGivesTheLeaseUpAndAnotherNodeGenerates() throws Exception {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet");
         FleetProcess first = FleetProcess.node(server.url(), "first", List.of("--interval-ms", "100", "--generator-stall-ms", "3000"));
         FleetProcess second = FleetProcess.node(server.url(), "second", List.of("--interval-ms", "100", "--generator-stall-ms", "3000"))) {
      Waits.until("a leader that generates", Duration.ofSeconds(60),
          () -> redis.string("GET", redis.keys.leader()) != null && redis.number("GET", redis.keys.seq()) > 0
              && redis.number("HLEN", redis.keys.anchors()) == 2);
      String stuckNode = redis.string("GET", redis.keys.leader()).split(":")[0];
      FleetProcess stuck = stuckNode.equals("first") ? first : second;
      String otherNode = stuck == first ? "second" : "first";
      // every produce call is now refused (WRONGTYPE: a transient-looking failure, not a refused
      // credential), while lease renewals keep succeeding: before the fix the leader kept the
      // lease for ever and nothing was generated again
      redis.call("DEL", redis.keys.queue());
      redis.call("SET", redis.keys.queue(), "not a list");
      long tookMs = Waits.until("the other node to take the lease", Duration.ofSeconds(60),
          () -> String.valueOf(redis.string("GET", redis.keys.leader())).startsWith(otherNode + ":"));
      redis.call("DEL", redis.keys.queue());
      long seq = redis.number("GET", redis.keys.seq());
      Waits.until("the new leader to generate", Duration.ofSeconds(10), () -> redis.number("GET", redis.keys.seq()) > seq);
      System.out.println("FIGURE stalled generator (generatorStallMs 3000): it gave the lease up " + tookMs
          + " ms after its produce calls began to fail");
      assertThat(tookMs).as("ms from the first refused produce to the handover").isGreaterThanOrEqualTo(2_500L);
      String log = stuck.logText();
      assertThat(log).contains("WRONGTYPE");
      assertThat(log.lines().filter(l -> l.contains("giving the lease up")).count()).as(log).isEqualTo(1);
      // the setting, not the 15 s default, decided: the node says how long its calls had failed
      java.util.regex.Matcher stalled = java.util.regex.Pattern.compile("for (\\d+) s; giving the lease up").matcher(log);
      assertThat(stalled.find()).as(log).isTrue();
      assertThat(Long.parseLong(stalled.group(1))).as("seconds of failed produce calls before giving up").isBetween(3L, 14L);
      assertThat(stuck.alive()).isTrue();
      assertThat(redis.string("GET", redis.keys.leader())).startsWith(otherNode + ":");
    }
  }
}
