package dev.redfleet.election;

/**
 * The timing constants of the lease recipe.
 *
 * @param leaseMs how long a lease lives in Redis without renewal (its PX TTL)
 * @param renewMs how often the leader renews
 * @param retryMs how often a follower tries to take a free lease
 */
public record ElectionTimings(long leaseMs, long renewMs, long retryMs) {

  /**
   * The leader stops believing in its lease this long before the lease could have expired in
   * Redis, as seen by the local clock from the moment the renewal was sent. It covers clock-rate
   * differences between this machine and the Redis server.
   */
  public long safetyMarginMs() {
    return Math.max(50, leaseMs / 10);
  }
}
