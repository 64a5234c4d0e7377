package dev.redfleet.metrics;

import java.util.Locale;

/**
 * Counts of latencies in microseconds, in log-linear buckets: exact below 64 µs, then 32 buckets
 * per power of two (at most about 3 % wide). Not thread-safe: one per worker verticle, merged by
 * the reader. The maximum is kept exactly.
 */
public final class LatencyHistogram {
  private static final int BUCKETS = 64 + 40 * 32;
  private final long[] counts = new long[BUCKETS];
  private long count;
  private long max;
  /** Samples below zero (a clock-offset error larger than the latency), counted as 0. */
  private long negative;

  public void record(long micros) {
    if (micros < 0) {
      negative++;
      micros = 0;
    }
    counts[index(micros)]++;
    count++;
    max = Math.max(max, micros);
  }

  public long count() {
    return count;
  }

  public long max() {
    return max;
  }

  public long negative() {
    return negative;
  }

  /** The smallest bucket upper bound below which at least {@code quantile} of the samples lie (µs). */
  public long percentile(double quantile) {
    if (count == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(quantile * count);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return Math.min(max, upper(i));
      }
    }
    return max;
  }

  public void merge(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    count += other.count;
    negative += other.negative;
    max = Math.max(max, other.max);
  }

  /** {@code count,max,negative,index:count,...} (non-empty buckets only). */
  public String encode() {
    StringBuilder b = new StringBuilder().append(count).append(',').append(max).append(',').append(negative);
    for (int i = 0; i < BUCKETS; i++) {
      if (counts[i] > 0) {
        b.append(',').append(i).append(':').append(counts[i]);
      }
    }
    return b.toString();
  }

  public static LatencyHistogram decode(String text) {
    LatencyHistogram h = new LatencyHistogram();
    String[] parts = text.split(",");
    h.count = Long.parseLong(parts[0]);
    h.max = Long.parseLong(parts[1]);
    h.negative = Long.parseLong(parts[2]);
    for (int i = 3; i < parts.length; i++) {
      int colon = parts[i].indexOf(':');
      h.counts[Integer.parseInt(parts[i].substring(0, colon))] = Long.parseLong(parts[i].substring(colon + 1));
    }
    return h;
  }

  static int index(long v) {
    if (v < 64) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) ((v >> (e - 5)) & 31);
    return Math.min(BUCKETS - 1, 64 + (e - 6) * 32 + sub);
  }

  static long upper(int index) {
    if (index < 64) {
      return index;
    }
    int e = (index - 64) / 32 + 6;
    int sub = (index - 64) % 32;
    return ((32L + sub + 1) << (e - 5)) - 1;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "n=%d p50=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms", count,
        percentile(0.5) / 1000.0, percentile(0.99) / 1000.0, percentile(0.999) / 1000.0, max / 1000.0);
  }
}
