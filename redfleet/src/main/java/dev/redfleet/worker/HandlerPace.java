package dev.redfleet.worker;

import java.util.concurrent.TimeUnit;

/**
 * How long a worker's handler takes, on average: an exponentially weighted mean of the recent
 * deliveries' handler times (each answer weighs 1/16), for the claim size ({@link #quick}).
 *
 * <p>Why the worker cares: a claim takes at most its fair share of a short queue, so that a burst is
 * split over the nodes and each node runs its share at the same time. That pays off when the
 * messages take a while. Messages that the handler answers at once are done before a second claim
 * could even be answered; for them the split only adds Redis calls (each costs Redis about what a
 * few dozen messages' work does). So while the handler is quick, the worker asks each claim to take
 * at least {@code minClaim} messages (claim.lua).
 *
 * <p>Not thread-safe: the worker verticle's context owns it.
 */
final class HandlerPace {
  /** Handlers quicker than this on average are "quick": a tenth of a millisecond. */
  static final long QUICK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
  private static final double WEIGHT = 1.0 / 16;

  /** NaN until the first answer: a worker that knows nothing of its handler assumes it is slow. */
  private double meanNanos = Double.NaN;

  /** One delivery's handler took {@code nanos}, from its start to its answer (or its timeout). */
  void took(long nanos) {
    meanNanos = Double.isNaN(meanNanos) ? nanos : meanNanos + WEIGHT * (nanos - meanNanos);
  }

  /** Whether the handler's recent mean time is under {@link #QUICK_NANOS}. */
  boolean quick() {
    return meanNanos < QUICK_NANOS;
  }
}
