package dev.redfleet.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void percentilesAreWithinThreePercentAndTheMaximumIsExact() {
    LatencyHistogram h = new LatencyHistogram();
    for (long v = 1; v <= 100_000; v++) {
      h.record(v);
    }
    assertThat((double) h.percentile(0.5)).isCloseTo(50_000, within(1_600.0));
    assertThat((double) h.percentile(0.99)).isCloseTo(99_000, within(3_100.0));
    assertThat(h.percentile(0.99)).isGreaterThanOrEqualTo(99_000);
    assertThat(h.max()).isEqualTo(100_000);
  }

  @Test
  void encodedHistogramsMergeToTheSameFigures() {
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    for (int i = 0; i < 990; i++) {
      a.record(1000);
    }
    for (int i = 0; i < 10; i++) {
      b.record(250_000);
    }
    b.record(-5);
    LatencyHistogram merged = LatencyHistogram.decode(a.encode());
    merged.merge(LatencyHistogram.decode(b.encode()));
    assertThat(merged.count()).isEqualTo(1001);
    assertThat(merged.negative()).isEqualTo(1);
    assertThat(merged.percentile(0.5)).isBetween(1000L, 1031L);
    assertThat(merged.percentile(0.999)).isEqualTo(250_000);
    assertThat(merged.max()).isEqualTo(250_000);
  }
}
