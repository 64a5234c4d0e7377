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
  /** Handlers this slow or slower on average are "slow": 20 milliseconds. */
  static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /**
   * Answers seen before the handler can count as quick. The first answers of a claim are those
   * that came at once: a handler of 0-999 ms whose first draw was 0 is not a quick one.
   */
  static final int FIRST_ANSWERS = 32;
  private static final double WEIGHT = 1.0 / 16;

  private double meanNanos;
  /** Answers seen, counted up to {@link #FIRST_ANSWERS}. */
  private int answers;

  /** One delivery's handler took {@code nanos}, from its start to its answer (or its timeout). */
  void took(long nanos) {
    meanNanos = answers == 0 ? nanos : meanNanos + WEIGHT * (nanos - meanNanos);
    if (answers < FIRST_ANSWERS) {
      answers++;
    }
  }

  /**
   * Whether the handler's recent mean time is under {@link #QUICK_NANOS}, after at least
   * {@link #FIRST_ANSWERS} answers: a worker that knows little of its handler takes it for slow.
   */
  boolean quick() {
    return answers >= FIRST_ANSWERS && meanNanos < QUICK_NANOS;
  }

  /**
   * Whether the handler's recent mean time is at least {@link #SLOW_NANOS}, after at least
   * {@link #FIRST_ANSWERS} answers: its outcomes may wait a few milliseconds to be recorded together
   * ({@link OutcomeRecorder}), a delay small next to the handler's own.
   */
  boolean slow() {
    return answers >= FIRST_ANSWERS && meanNanos >= SLOW_NANOS;
  }
}
