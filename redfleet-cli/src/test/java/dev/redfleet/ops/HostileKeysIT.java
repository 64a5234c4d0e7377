package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Issue 7 items 9 and 10 with real processes: keys replaced by values of another type while the
 * fleet runs, and a leader key no node can hold.
 *
 * <p>The three cases run side by side: each has a fleet and a redis-server of its own, and none has
 * an upper timing bound.
 */
class HostileKeysIT {

  private static FleetProcess.Result status(Fleet fleet, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("status", "--redis", fleet.server.url()));
    args.addAll(List.of(more));
    return FleetProcess.oneShot(args);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void errorsListReplacedByAStringForFourSecondsLosesNoOutcome() {
    long messages = 3000;
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "5", "--limit", Long.toString(messages),
        "--max-delay-ms", "20", "--error-rate", "0.3"))) {
      fleet.start();
      fleet.start();
      Waits.until("outcomes recorded", Duration.ofSeconds(60), () -> fleet.redis.stat("processed") > 300);
      String errors = fleet.redis.keys.errors();
      // each swap in one script: between a RENAME and a SET sent apart, a finish could LPUSH into a
      // fresh list that the SET (or the RENAME back) then destroys, losing entries the fleet did write
      fleet.redis.call("EVAL", "redis.call('RENAME', KEYS[1], KEYS[2]) redis.call('SET', KEYS[1], 'not a list')",
          2, errors, errors + ":saved");
      long processedBefore = fleet.redis.stat("processed");
      Waits.pause(4000);
      long processedDuring = fleet.redis.stat("processed") - processedBefore;
      fleet.redis.call("EVAL", "redis.call('DEL', KEYS[1]) redis.call('RENAME', KEYS[2], KEYS[1])",
          2, errors, errors + ":saved");

      fleet.awaitOutcomes(messages, Duration.ofSeconds(120));
      fleet.assertEveryIdRecordedOnce(messages);
      assertThat(processedDuring).as("outcomes recorded while the errors key was a string").isZero();
      assertThat(fleet.redis.stat("stale_dropped")).as("outcomes dropped as late").isZero();
      assertThat(fleet.redis.number("LLEN", errors)).as("every failure in the errors list").isEqualTo(fleet.redis.stat("failed"));
      assertThat(fleet.redis.stat("failed")).isPositive();
      String log = fleet.node("node1").logText() + fleet.node("node2").logText();
      assertThat(log).contains("WRONGTYPE redfleet: " + errors + " is a string, not a list");
      System.out.println("FIGURE wrong-typed errors key for 4 s: " + messages + " messages, " + fleet.redis.stat("failed")
          + " failures all in the errors list, stale_dropped 0, every id recorded once");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aGarbageLeaderWithoutTtlIsReplacedOnceAndLogged() {
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "10", "--limit", "50", "--max-delay-ms", "5"))) {
      fleet.redis.call("SET", fleet.redis.keys.leader(), "garbage");
      FleetProcess.Result before = status(fleet);
      assertThat(before.exitCode()).as(before.stderr()).isZero();
      assertThat(before.stdout()).contains("the leader key holds 'garbage'");
      FleetProcess node = fleet.start();
      fleet.start();
      Waits.until("generation despite the garbage", Duration.ofSeconds(30), () -> fleet.seq() == 50);
      String log = node.logText() + fleet.node("node2").logText();
      assertThat(log.lines().filter(l -> l.contains("the leader key held 'garbage'")).count()).isEqualTo(1);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void statusWithAWrongTypedStatsOrNodesKeyPrintsOneLineAndExitsOne() {
    try (Fleet fleet = new Fleet(List.of())) {
      for (String key : List.of(fleet.redis.keys.stats(), fleet.redis.keys.nodes())) {
        fleet.redis.call("FLUSHALL");
        fleet.redis.call("RPUSH", key, "intruder");
        FleetProcess.Result r = status(fleet);
        assertThat(r.exitCode()).as(key).isEqualTo(1);
        assertThat(r.stderr().lines().filter(l -> !l.isBlank()).toList()).as(r.stderr()).hasSize(1);
        assertThat(r.stderr()).contains("WRONGTYPE redfleet: " + key + " is a list").doesNotContain("Index")
            .doesNotContain("Exception");
      }
      // a counter that is not a number is shown, not fatal
      fleet.redis.call("FLUSHALL");
      fleet.redis.call("HSET", fleet.redis.keys.stats(), "produced", "lots");
      FleetProcess.Result r = status(fleet);
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stdout()).contains("produced=lots");
    }
  }
}
