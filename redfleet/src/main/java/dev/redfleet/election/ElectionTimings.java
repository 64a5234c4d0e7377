package dev.redfleet.election;

import dev.redfleet.config.FleetConfig;

/**
 * The timing constants of the lease recipe.
 *
 * @param leaseMs how long a lease lives in Redis without renewal (its PX TTL)
 * @param renewMs how often the leader renews
 * @param retryMs how often a follower tries to take a free lease
 * @param livenessMs how often a follower checks that the leader's connection (its anchor) still
 *                   exists; 0 = never (the lease TTL is then the only way to notice a dead leader)
 */
public record ElectionTimings(long leaseMs, long renewMs, long retryMs, long livenessMs) {

  /** Timings without the connection check: takeover only after the lease TTL. */
  public ElectionTimings(long leaseMs, long renewMs, long retryMs) {
    this(leaseMs, renewMs, retryMs, 0);
  }

  /**
   * The leader stops believing in its lease this long before the lease could have expired in
   * Redis, as seen by the local clock from the moment the renewal was sent. It covers clock-rate
   * differences between this machine and the Redis server.
   */
  public long safetyMarginMs() {
    return FleetConfig.stepDownMarginMs(leaseMs);
  }

  /**
   * After its generator gave the lease up (it could not produce), this node does not try to take
   * the lease again for this long, so that another node gets it.
   */
  public long standAsideMs() {
    return Math.max(10_000, 5 * leaseMs);
  }
}
