package dev.redfleet.config;

import java.util.EnumMap;
import java.util.Map;

/** The resolved, validated settings of one redfleet process. */
public record FleetConfig(
    String redisUrl,
    String namespace,
    String nodeId,
    int workers,
    int concurrency,
    int intervalMs,
    int batchSize,
    long limit,
    int queueCap,
    double errorRate,
    double hangRate,
    int maxDelayMs,
    int handlerTimeoutMs,
    int leaseMs,
    int renewMs,
    int retryMs,
    int heartbeatMs,
    int staleMs,
    int blockMs,
    int drainMs) {

  static FleetConfig of(Map<Setting, Object> v) {
    return new FleetConfig(
        (String) v.get(Setting.REDIS_URL),
        (String) v.get(Setting.NAMESPACE),
        (String) v.get(Setting.NODE_ID),
        i(v, Setting.WORKERS),
        i(v, Setting.CONCURRENCY),
        i(v, Setting.INTERVAL_MS),
        i(v, Setting.BATCH_SIZE),
        ((Number) v.get(Setting.LIMIT)).longValue(),
        i(v, Setting.QUEUE_CAP),
        ((Number) v.get(Setting.ERROR_RATE)).doubleValue(),
        ((Number) v.get(Setting.HANG_RATE)).doubleValue(),
        i(v, Setting.MAX_DELAY_MS),
        i(v, Setting.HANDLER_TIMEOUT_MS),
        i(v, Setting.LEASE_MS),
        i(v, Setting.RENEW_MS),
        i(v, Setting.RETRY_MS),
        i(v, Setting.HEARTBEAT_MS),
        i(v, Setting.STALE_MS),
        i(v, Setting.BLOCK_MS),
        i(v, Setting.DRAIN_MS));
  }

  private static int i(Map<Setting, Object> v, Setting s) {
    return ((Number) v.get(s)).intValue();
  }

  /** A copy with one setting replaced (used by tests and the benchmark). */
  public FleetConfig with(Setting setting, Object value) {
    Map<Setting, Object> v = new EnumMap<>(Setting.class);
    v.put(Setting.REDIS_URL, redisUrl);
    v.put(Setting.NAMESPACE, namespace);
    v.put(Setting.NODE_ID, nodeId);
    v.put(Setting.WORKERS, workers);
    v.put(Setting.CONCURRENCY, concurrency);
    v.put(Setting.INTERVAL_MS, intervalMs);
    v.put(Setting.BATCH_SIZE, batchSize);
    v.put(Setting.LIMIT, limit);
    v.put(Setting.QUEUE_CAP, queueCap);
    v.put(Setting.ERROR_RATE, errorRate);
    v.put(Setting.HANG_RATE, hangRate);
    v.put(Setting.MAX_DELAY_MS, maxDelayMs);
    v.put(Setting.HANDLER_TIMEOUT_MS, handlerTimeoutMs);
    v.put(Setting.LEASE_MS, leaseMs);
    v.put(Setting.RENEW_MS, renewMs);
    v.put(Setting.RETRY_MS, retryMs);
    v.put(Setting.HEARTBEAT_MS, heartbeatMs);
    v.put(Setting.STALE_MS, staleMs);
    v.put(Setting.BLOCK_MS, blockMs);
    v.put(Setting.DRAIN_MS, drainMs);
    v.put(setting, value);
    return of(v);
  }

  /**
   * How long a silent node stays known to the reaper after it went quiet: longer than any BLMOVE it
   * may have had pending, so a stopped-but-connected process cannot land a message after it is
   * forgotten.
   */
  public int forgetMs() {
    return staleMs + heartbeatMs + blockMs + 1000;
  }
}
