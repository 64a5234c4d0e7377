package dev.redfleet.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node's meters as Prometheus reads them: names, units, cumulative buckets, and OFF counting nothing. */
class NodeMetricsTest {

  @Test
  void histogramsAndCountersInPrometheusText() {
    NodeMetrics m = new NodeMetrics("n1", () -> 10_000);
    // pickups of 3 ms, 40 ms and 2 s (Redis clock "now" is 10000 ms)
    long now = m.pickedUpAt();
    m.handlerStarted(10_000 - 3, now);
    m.handlerStarted(10_000 - 40, now);
    m.handlerStarted(10_000 - 2_000, now);
    // a message without a produce time (an older producer) is not measured
    m.handlerStarted(0, now);
    assertThat(m.registry().scrape()).contains("redfleet_messages_in_flight{node=\"n1\"} 4.0");
    m.handlerEnded(7_000_000);
    m.outcomesRecorded(10, 3, 1);
    m.produced(25);

    String text = m.registry().scrape();
    assertThat(text)
        .contains("# TYPE redfleet_pickup_latency_seconds histogram")
        .contains("redfleet_pickup_latency_seconds_bucket{node=\"n1\",le=\"0.001\"} 0")
        .contains("redfleet_pickup_latency_seconds_bucket{node=\"n1\",le=\"0.005\"} 1")
        .contains("redfleet_pickup_latency_seconds_bucket{node=\"n1\",le=\"0.05\"} 2")
        .contains("redfleet_pickup_latency_seconds_bucket{node=\"n1\",le=\"2.5\"} 3")
        .contains("redfleet_pickup_latency_seconds_bucket{node=\"n1\",le=\"+Inf\"} 3")
        .contains("redfleet_pickup_latency_seconds_count{node=\"n1\"} 3")
        .contains("redfleet_pickup_latency_seconds_sum{node=\"n1\"} 2.043")
        .contains("redfleet_handler_duration_seconds_count{node=\"n1\"} 1")
        .contains("redfleet_handler_duration_seconds_sum{node=\"n1\"} 0.007")
        .contains("redfleet_handler_duration_seconds_bucket{node=\"n1\",le=\"0.005\"} 0")
        .contains("redfleet_messages_in_flight{node=\"n1\"} 3.0")
        .contains("redfleet_messages_handled_total{node=\"n1\"} 10.0")
        .contains("redfleet_messages_failed_total{node=\"n1\"} 3.0")
        .contains("redfleet_messages_stale_dropped_total{node=\"n1\"} 1.0")
        .contains("redfleet_messages_produced_total{node=\"n1\"} 25.0");
    assertThat(m.handledTotal()).isEqualTo(10);
    assertThat(m.failedTotal()).isEqualTo(3);
  }

  @Test
  void offCountsNothingAndHasNoRegistry() {
    NodeMetrics off = NodeMetrics.OFF;
    assertThat(off.pickedUpAt()).isZero();
    off.handlerStarted(1, 2);
    off.handlerEnded(7_000_000);
    off.outcomesRecorded(5, 1, 0);
    off.produced(5);
    assertThat(off.enabled()).isFalse();
    assertThat(off.registry()).isNull();
    assertThat(off.handledTotal()).isZero();
  }
}
