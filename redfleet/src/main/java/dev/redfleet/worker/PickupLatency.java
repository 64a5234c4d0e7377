package dev.redfleet.worker;

import dev.redfleet.metrics.LatencyHistogram;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisClock;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FiguresStore;
import dev.redfleet.redis.store.FleetStore;
import io.vertx.core.Vertx;

/**
 * The bench's pickup latency (produce to handler start, on the Redis clock) of one worker verticle:
 * recorded per message once the bench's warm-up has ended, and written to {@code <ns>:latency}
 * every {@code reportMs}. Off (records nothing, no timer) without a clock.
 */
final class PickupLatency {
  private final RedisClock clock;
  private final long reportMs;
  private final LatencyHistogram latency = new LatencyHistogram();
  private long timer = -1;
  /** Only messages produced at or after this Redis time (ms) are measured; set by the bench after its warm-up. */
  private long measureFrom = Long.MAX_VALUE;

  PickupLatency(RedisClock clock, long reportMs) {
    this.clock = clock;
    this.reportMs = clock == null ? 0 : reportMs;
  }

  /** A handler started on a message produced at {@code producedAt} (Redis ms). */
  void handlerStarted(long producedAt) {
    if (clock != null && producedAt >= measureFrom && clock.synced()) {
      // ts has ms resolution (floored): the latency is over-stated by 0..1 ms, never under-stated
      latency.record(clock.nowMicros() - producedAt * 1000);
    }
  }

  /** Starts the reports, to field {@code <nodeId>/<slot>} of {@code <ns>:latency}. */
  void start(Vertx vertx, Scripts scripts, Keys keys, String nodeId, String slot) {
    if (reportMs > 0) {
      FiguresStore figures = new FleetStore(scripts, keys).figures();
      timer = vertx.setPeriodic(reportMs, id -> report(figures, nodeId, slot));
    }
  }

  void stop(Vertx vertx) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void report(FiguresStore figures, String nodeId, String slot) {
    figures.latencyFrom().onSuccess(from -> measureFrom = from);
    if (latency.count() > 0) {
      figures.reportLatency(nodeId, slot, latency.encode(), clock.errorMicros());
    }
  }
}
