package dev.redfleet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
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

  @Test
  void badOptionsExitTwoWithOneLine() {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("bench", "--processes", "1"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList()).hasSize(1);
  }
}
