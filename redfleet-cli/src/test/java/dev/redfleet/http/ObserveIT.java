package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every node's HTTP port during a real run of three JVMs: /metrics in Prometheus text, checked
 * against Redis' own counters once the fleet is drained, and /health going from 200 to 503 when
 * Redis dies and back to 200 when it returns.
 */
class ObserveIT {
  private static final long LIMIT = 1200;

  private final Fleet fleet = new Fleet(List.of(
      "--interval-ms", "5", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
      "--max-delay-ms", "100", "--error-rate", "0.2", "--http-port", "0",
      "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void metricsMatchRedisCountersAndHealthFollowsRedis() {
    List<FleetProcess> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(fleet.start());
    }
    List<String> bases = new ArrayList<>();
    for (FleetProcess node : nodes) {
      bases.add("http://127.0.0.1:" + Http.portOf(node));
    }

    // during the run: every node answers, is healthy, and its counters move
    Waits.until("every node healthy", Duration.ofSeconds(60),
        () -> bases.stream().allMatch(b -> Http.get(b + "/health").status() == 200));
    Waits.until("messages handled", Duration.ofSeconds(60), () -> fleet.redis.stat("processed") > 100);
    Waits.until("a node's handled counter to move", Duration.ofSeconds(10), () -> bases.stream()
        .mapToDouble(b -> Http.sample(Http.get(b + "/metrics").body(), "redfleet_messages_handled_total", null))
        .sum() > 0);
    // the fleet's figures are the node's last status poll (once a second): node 0's may predate the
    // first outcome by up to a poll
    Waits.until("node 0's fleet figures to show outcomes", Duration.ofSeconds(10),
        () -> Http.sample(Http.get(bases.get(0) + "/metrics").body(), "redfleet_fleet_processed_total", null) > 0);
    String during = Http.get(bases.get(0) + "/metrics").body();
    assertThat(Http.sample(during, "redfleet_fleet_processed_total", null)).isPositive();
    assertThat(during).contains("# TYPE redfleet_handler_duration_seconds histogram")
        .contains("# TYPE redfleet_pickup_latency_seconds histogram")
        .contains("# TYPE redfleet_messages_handled_total counter");
    // the JVM and the process, from Micrometer's binders
    assertThat(Http.sample(during, "jvm_memory_used_bytes", null)).isPositive();
    assertThat(Http.sample(during, "jvm_threads_live_threads", null)).isPositive();
    assertThat(Http.sample(during, "process_uptime_seconds", null)).isPositive();
    assertThat(during).contains("# TYPE process_cpu_usage gauge").contains("# TYPE jvm_classes_loaded_classes gauge");
    // hardened answers: no content sniffing anywhere, the page under a strict Content-Security-Policy
    Http.Reply metricsReply = Http.get(bases.get(0) + "/metrics");
    assertThat(metricsReply.header("X-Content-Type-Options")).isEqualTo("nosniff");
    Http.Reply page = Http.get(bases.get(0) + "/");
    assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'").contains("script-src 'self'")
        .contains("frame-ancestors 'none'").doesNotContain("unsafe");

    // drained: the nodes' own counters add up to Redis' counters, and each node reports the fleet's
    fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(120));
    Waits.pause(2500);
    double handled = 0;
    double failed = 0;
    double produced = 0;
    double durations = 0;
    double pickups = 0;
    double generators = 0;
    for (int i = 0; i < bases.size(); i++) {
      String m = Http.get(bases.get(i) + "/metrics").body();
      String node = "node=\"" + nodes.get(i).name + "\"";
      handled += Http.sample(m, "redfleet_messages_handled_total", node);
      failed += Http.sample(m, "redfleet_messages_failed_total", node);
      produced += Http.sample(m, "redfleet_messages_produced_total", node);
      durations += Http.sample(m, "redfleet_handler_duration_seconds_count", node);
      pickups += Http.sample(m, "redfleet_pickup_latency_seconds_count", node);
      generators += Http.sample(m, "redfleet_generator", node);
      assertThat(Http.sample(m, "redfleet_fleet_processed_total", node)).isEqualTo(LIMIT);
      assertThat(Http.sample(m, "redfleet_fleet_failed_total", node)).isEqualTo(fleet.redis.stat("failed"));
      assertThat(Http.sample(m, "redfleet_queue_depth", node)).isZero();
      assertThat(Http.sample(m, "redfleet_errors_waiting", node))
          .isEqualTo(fleet.redis.number("LLEN", fleet.redis.keys.errors()));
      assertThat(Http.sample(m, "redfleet_epoch", node)).isEqualTo(fleet.redis.number("GET", fleet.redis.keys.epoch()));
      assertThat(Http.sample(m, "redfleet_messages_in_flight", node)).isZero();
    }
    System.out.println("FIGURE metrics after " + LIMIT + " messages: handled " + handled + ", failed " + failed
        + ", produced " + produced + " (Redis: processed " + fleet.redis.stat("processed") + ", failed "
        + fleet.redis.stat("failed") + ", produced " + fleet.redis.stat("produced") + ")");
    assertThat(handled).isEqualTo(fleet.redis.stat("processed") + fleet.redis.stat("malformed"));
    assertThat(failed).isEqualTo(fleet.redis.stat("failed")).isPositive();
    assertThat(produced).isEqualTo(fleet.redis.stat("produced")).isEqualTo(LIMIT);
    assertThat(durations).isEqualTo(handled);
    assertThat(pickups).isEqualTo(handled);
    assertThat(generators).isEqualTo(1);

    // Redis dies: every node says 503; Redis returns: 200 again
    fleet.server.kill();
    long down = Waits.until("every node to report 503", Duration.ofSeconds(20),
        () -> bases.stream().allMatch(b -> Http.get(b + "/health").status() == 503));
    assertThat(Http.get(bases.get(1) + "/health").body()).contains("\"status\":\"DOWN\"");
    assertThat(Http.sample(Http.get(bases.get(1) + "/metrics").body(), "redfleet_ready", null)).isZero();
    fleet.server.restart();
    long up = Waits.until("every node to report 200 again", Duration.ofSeconds(30),
        () -> bases.stream().allMatch(b -> Http.get(b + "/health").status() == 200));
    System.out.println("FIGURE /health 503 within " + down + " ms of the Redis kill, 200 within " + up + " ms of its restart");
  }
}
