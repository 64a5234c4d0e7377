package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.SentinelRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 5: a master name the sentinels do not know. One-shot commands end with exit 2 and
 * one line naming the master and the sentinels that do not know it; {@code run} keeps asking (the
 * name may be added to the sentinels) and says so again every {@code redfleet.unreachableLogMs}.
 */
class SentinelMasterNameIT {

  @Test
  void aMasterNameNoSentinelKnowsIsBadConfigurationAndRunSaysSoAgainWhileItLasts() {
    try (SentinelRedis redis = new SentinelRedis()) {
      String url = redis.url();
      String sentinels = url.substring("redis-sentinel://".length()).replace(",", ", ");
      String expected = "redfleet: bad configuration: no sentinel knows a master named 'nosuch': " + sentinels
          + " answered they do not; check redisMasterName (--redis-master-name, REDIS_MASTER_NAME)";
      // run starts first: it only asks the sentinels (they answer it as they answer the one-shot
      // commands), and its two "still unreachable" intervals pass while the one-shot commands run
      try (FleetProcess node = FleetProcess.start("unknown-master", List.of("run", "--redis", url, "--redis-master-name", "nosuch",
          "--node-id", "unknown-master"), Map.of("JAVA_TOOL_OPTIONS", "-Dredfleet.unreachableLogMs=2000"))) {
        for (List<String> command : List.of(List.of("status"), List.of("getErrors"), List.of("send", "hello"))) {
          List<String> args = new java.util.ArrayList<>(command);
          args.addAll(List.of("--redis", url, "--redis-master-name", "nosuch"));
          FleetProcess.oneShot(args).assertOneLineError(2, expected);
        }
        // the right name works through the same sentinels
        FleetProcess.Result ok = FleetProcess.oneShot(List.of("status", "--redis", url, "--redis-master-name", SentinelRedis.MASTER_NAME));
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();

        Waits.until("the node to say it twice more", Duration.ofSeconds(40),
            () -> node.logText().lines().filter(l -> l.contains("Redis still unreachable after")).count() >= 2);
        assertThat(node.alive()).isTrue();
        List<String> again = node.logText().lines().filter(l -> l.contains("Redis still unreachable after")).toList();
        assertThat(again).allMatch(l -> l.contains("no sentinel knows a master named 'nosuch'"));
        assertThat(node.logText()).doesNotContain("Exception");
        System.out.println("FIGURE unknown master, run says: " + again.get(0));
      }
    }
  }
}
