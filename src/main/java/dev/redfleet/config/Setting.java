package dev.redfleet.config;

/**
 * Every setting of redfleet, with the names it has in each source. Precedence, lowest first:
 * built-in default, {@code conf/config.json} (key), environment (env), command line (option).
 */
public enum Setting {
  REDIS_URL("redisUrl", "REDIS_URL", "--redis", Kind.TEXT, "redis://localhost:6379", 0),
  NAMESPACE("namespace", "REDFLEET_NAMESPACE", "--namespace", Kind.NAME, "redfleet", 0),
  NODE_ID("nodeId", "REDFLEET_NODE_ID", "--node-id", Kind.NAME, "", 0),
  WORKERS("workers", "REDFLEET_WORKERS", "--workers", Kind.INTEGER, 2, 1),
  CONCURRENCY("concurrency", "REDFLEET_CONCURRENCY", "--concurrency", Kind.INTEGER, 256, 1),
  INTERVAL_MS("intervalMs", "REDFLEET_INTERVAL_MS", "--interval-ms", Kind.INTEGER, 500, 0),
  BATCH_SIZE("batchSize", "REDFLEET_BATCH_SIZE", "--batch-size", Kind.INTEGER, 500, 1),
  LIMIT("limit", "REDFLEET_LIMIT", "--limit", Kind.INTEGER, 0, 0),
  QUEUE_CAP("queueCap", "REDFLEET_QUEUE_CAP", "--queue-cap", Kind.INTEGER, 1_000_000, 1),
  ERROR_RATE("errorRate", "REDFLEET_ERROR_RATE", "--error-rate", Kind.FRACTION, 0.15, 0),
  HANG_RATE("hangRate", "REDFLEET_HANG_RATE", "--hang-rate", Kind.FRACTION, 0.0, 0),
  MAX_DELAY_MS("maxDelayMs", "REDFLEET_MAX_DELAY_MS", "--max-delay-ms", Kind.INTEGER, 1000, 0),
  HANDLER_TIMEOUT_MS("handlerTimeoutMs", "REDFLEET_HANDLER_TIMEOUT_MS", "--handler-timeout-ms", Kind.INTEGER, 30_000, 1),
  LEASE_MS("leaseMs", "REDFLEET_LEASE_MS", "--lease-ms", Kind.INTEGER, 2000, 1),
  RENEW_MS("renewMs", "REDFLEET_RENEW_MS", "--renew-ms", Kind.INTEGER, 500, 1),
  RETRY_MS("retryMs", "REDFLEET_RETRY_MS", "--retry-ms", Kind.INTEGER, 250, 1),
  HEARTBEAT_MS("heartbeatMs", "REDFLEET_HEARTBEAT_MS", "--heartbeat-ms", Kind.INTEGER, 500, 1),
  STALE_MS("staleMs", "REDFLEET_STALE_MS", "--stale-ms", Kind.INTEGER, 3000, 1),
  BLOCK_MS("blockMs", "REDFLEET_BLOCK_MS", "--block-ms", Kind.INTEGER, 1000, 1),
  DRAIN_MS("drainMs", "REDFLEET_DRAIN_MS", "--drain-ms", Kind.INTEGER, 5000, 0);

  /** How a raw value is read and checked. */
  public enum Kind { TEXT, NAME, INTEGER, FRACTION }

  public final String key;
  public final String env;
  public final String option;
  public final Kind kind;
  public final Object defaultValue;
  /** Smallest accepted value for INTEGER and FRACTION settings. */
  public final long min;

  Setting(String key, String env, String option, Kind kind, Object defaultValue, long min) {
    this.key = key;
    this.env = env;
    this.option = option;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.min = min;
  }
}
