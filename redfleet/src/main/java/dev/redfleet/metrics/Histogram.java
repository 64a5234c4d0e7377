package dev.redfleet.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram in seconds with fixed buckets, cheap enough for every message: one
 * recording is a scan of 13 bounds and two {@link LongAdder} increments, with no clock read (a
 * Micrometer timer reads the wall clock for its decaying max on every recording; on this kind of
 * VM a clock read costs about 100 ns). It is handed to the Prometheus registry under Micrometer as
 * a collector, so it appears in the same scrape.
 */
final class Histogram implements Collector {
  /** Upper bounds in seconds (and +Inf). */
  static final double[] BOUNDS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
      Double.POSITIVE_INFINITY};

  private final String name;
  private final String help;
  private final Labels labels;
  private final long[] boundsNanos = new long[BOUNDS.length - 1];
  private final LongAdder[] counts = new LongAdder[BOUNDS.length];
  private final LongAdder sumNanos = new LongAdder();

  Histogram(String name, String help, String nodeId) {
    this.name = name;
    this.help = help;
    this.labels = Labels.of("node", nodeId);
    for (int i = 0; i < boundsNanos.length; i++) {
      boundsNanos[i] = Math.round(BOUNDS[i] * 1e9);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void recordNanos(long nanos) {
    int i = 0;
    while (i < boundsNanos.length && nanos > boundsNanos[i]) {
      i++;
    }
    counts[i].increment();
    sumNanos.add(nanos);
  }

  long count() {
    long total = 0;
    for (LongAdder c : counts) {
      total += c.sum();
    }
    return total;
  }

  @Override
  public String getPrometheusName() {
    return name;
  }

  @Override
  public MetricSnapshot collect() {
    long[] perBucket = new long[counts.length];
    for (int i = 0; i < counts.length; i++) {
      perBucket[i] = counts[i].sum();
    }
    HistogramSnapshot.HistogramDataPointSnapshot point = new HistogramSnapshot.HistogramDataPointSnapshot(
        ClassicHistogramBuckets.of(BOUNDS, perBucket), sumNanos.sum() / 1e9, labels, Exemplars.EMPTY, 0);
    return new HistogramSnapshot(new MetricMetadata(name, help), List.of(point));
  }
}
