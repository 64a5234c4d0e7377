package dev.redfleet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bench command end to end on a small run: it starts its own redis-server and fleet, and its
 * report must show every message with exactly one outcome. Not a speed test: figures come from
 * running the command, see BENCHMARKS.md.
 */
class BenchIT {

  @Test
  void aSmallRunEndsWithEveryMessageRecordedOnceAndACompleteReport() {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("bench", "--limit", "5000", "--max-delay-ms", "50",
        "--concurrency", "500", "--json"));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stderr()).contains("produced");
    JsonObject report = new JsonObject(r.stdout().trim());
    assertThat(report.getLong("messages")).isEqualTo(5000);
    assertThat(report.getLong("produced")).isEqualTo(5000);
    assertThat(report.getLong("processed")).isEqualTo(5000);
    assertThat(report.getLong("duplicates")).isZero();
    assertThat(report.getLong("missing")).isZero();
    // 15% of 5000 fail on average; this band is six standard deviations wide
    assertThat(report.getLong("failed")).isBetween(600L, 900L);
    assertThat(report.getDouble("wall_s")).isPositive();
    assertThat(report.getLong("msgs_per_s")).isPositive();
    assertThat(report.getLong("redis_peak_bytes")).isPositive();
    assertThat(report.getLong("jvm_peak_rss_bytes")).isPositive();
    assertThat(report.getJsonArray("jvm_cpu_s_each")).hasSize(3);
  }

  /**
   * On a given Redis the bench works in a namespace of its own and deletes it at the end: every
   * key, the shards' and the fleet-wide ones (it used to leave each shard's {@code left}, the
   * {@code dataset} and {@code floored}: 2 + N keys a run).
   */
  @Test
  void aShardedRunOnAGivenRedisLeavesNoKeyBehind() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "x")) {
      benchLeavesNothing(server.url(), List.of(redis));
    }
  }

  /** The same on a Redis Cluster: the shards' keys are on every master, the fleet-wide ones on one. */
  @Test
  void aShardedRunOnAClusterLeavesNoKeyOnAnyMaster() {
    try (ClusterRedis cluster = new ClusterRedis()) {
      List<TestRedis> masters = cluster.masters.stream().map(m -> new TestRedis(m.url(), "x")).toList();
      try {
        benchLeavesNothing(cluster.url(), masters);
      } finally {
        masters.forEach(TestRedis::close);
      }
    }
  }

  private static void benchLeavesNothing(String url, List<TestRedis> servers) {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("bench", "--redis", url, "--shards", "3", "--metrics",
        "--limit", "3000", "--max-delay-ms", "0", "--concurrency", "500", "--json"));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    JsonObject report = new JsonObject(r.stdout().trim());
    assertThat(report.getLong("missing")).isZero();
    for (TestRedis server : servers) {
      assertThat(server.call("DBSIZE").toLong())
          .as("keys left by namespace %s: %s", report.getString("namespace"), server.call("KEYS", "*")).isZero();
    }
  }

  @Test
  void badOptionsExitTwoWithOneLine() {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("bench", "--processes", "1"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList()).hasSize(1);
  }
}
