package dev.redfleet.config;

/**
 * Every setting of redfleet, with the names it has in each source. Precedence, lowest first:
 * built-in default, {@code conf/config.json} (key), environment (env), command line (option).
 */
public enum Setting {
  REDIS_URL("redisUrl", "REDIS_URL", "--redis", Kind.TEXT, "redis://localhost:6379", 0, 0),
  NAMESPACE("namespace", "REDFLEET_NAMESPACE", "--namespace", Kind.NAME, "redfleet", 0, 0),
  NODE_ID("nodeId", "REDFLEET_NODE_ID", "--node-id", Kind.NAME, "", 0, 0),
  WORKERS("workers", "REDFLEET_WORKERS", "--workers", Kind.INTEGER, 2, 1, 64),
  CONCURRENCY("concurrency", "REDFLEET_CONCURRENCY", "--concurrency", Kind.INTEGER, 256, 1, 100_000),
  INTERVAL_MS("intervalMs", "REDFLEET_INTERVAL_MS", "--interval-ms", Kind.INTEGER, 500, 0, 3_600_000),
  BATCH_SIZE("batchSize", "REDFLEET_BATCH_SIZE", "--batch-size", Kind.INTEGER, 500, 1, 10_000),
  LIMIT("limit", "REDFLEET_LIMIT", "--limit", Kind.INTEGER, 0, 0, Setting.MAX_MESSAGE_ID),
  QUEUE_CAP("queueCap", "REDFLEET_QUEUE_CAP", "--queue-cap", Kind.INTEGER, 1_000_000, 1, 10_000_000),
  ERROR_RATE("errorRate", "REDFLEET_ERROR_RATE", "--error-rate", Kind.FRACTION, 0.15, 0, 1),
  HANG_RATE("hangRate", "REDFLEET_HANG_RATE", "--hang-rate", Kind.FRACTION, 0.0, 0, 1),
  MAX_DELAY_MS("maxDelayMs", "REDFLEET_MAX_DELAY_MS", "--max-delay-ms", Kind.INTEGER, 1000, 0, 3_600_000),
  HANDLER_TIMEOUT_MS("handlerTimeoutMs", "REDFLEET_HANDLER_TIMEOUT_MS", "--handler-timeout-ms", Kind.INTEGER, 30_000, 1, 86_400_000),
  LEASE_MS("leaseMs", "REDFLEET_LEASE_MS", "--lease-ms", Kind.INTEGER, 2000, 1, 600_000),
  RENEW_MS("renewMs", "REDFLEET_RENEW_MS", "--renew-ms", Kind.INTEGER, 500, 1, 300_000),
  RETRY_MS("retryMs", "REDFLEET_RETRY_MS", "--retry-ms", Kind.INTEGER, 250, 1, 60_000),
  HEARTBEAT_MS("heartbeatMs", "REDFLEET_HEARTBEAT_MS", "--heartbeat-ms", Kind.INTEGER, 500, 1, 60_000),
  STALE_MS("staleMs", "REDFLEET_STALE_MS", "--stale-ms", Kind.INTEGER, 3000, 1, 3_600_000),
  BLOCK_MS("blockMs", "REDFLEET_BLOCK_MS", "--block-ms", Kind.INTEGER, 1000, 1, 60_000),
  /**
   * While the handler answers in under 0.1 ms on average: the least a claim takes from a queue holding
   * that many, whatever its fair share, if the worker has room (0 = the fair share alone). The
   * default is WorkerVerticle.MIN_CLAIM's.
   */
  MIN_CLAIM("minClaim", "REDFLEET_MIN_CLAIM", "--min-claim", Kind.INTEGER, 32, 0, 1000),
  /**
   * While the handler takes 20 ms or more on average: how long its outcomes may wait for more to
   * join their finish call (0 = sent as soon as the last call returns). The default is
   * WorkerVerticle.FINISH_LINGER_MS's.
   */
  FINISH_LINGER_MS("finishLingerMs", "REDFLEET_FINISH_LINGER_MS", "--finish-linger-ms", Kind.INTEGER, 10, 0, 1000),
  DRAIN_MS("drainMs", "REDFLEET_DRAIN_MS", "--drain-ms", Kind.INTEGER, 5000, 0, 600_000),
  /** A generator whose produce calls all fail this long gives its lease up (another node may reach Redis). */
  GENERATOR_STALL_MS("generatorStallMs", "REDFLEET_GENERATOR_STALL_MS", "--generator-stall-ms", Kind.INTEGER, 15_000, 100, 3_600_000),
  // retries
  ATTEMPTS("attempts", "REDFLEET_ATTEMPTS", "--attempts", Kind.INTEGER, 1, 1, 100),
  BACKOFF_MS("backoffMs", "REDFLEET_BACKOFF_MS", "--backoff-ms", Kind.INTEGER, 1000, 1, 3_600_000),
  BACKOFF_MAX_MS("backoffMaxMs", "REDFLEET_BACKOFF_MAX_MS", "--backoff-max-ms", Kind.INTEGER, 60_000, 1, 86_400_000),
  // the audit
  /**
   * Hours after which the bitmap of a complete audit segment (2^24 ids, every one recorded) is
   * deleted; -1 = kept for ever. Its count still catches a duplicate afterwards.
   */
  AUDIT_RETENTION_HOURS("auditRetentionHours", "REDFLEET_AUDIT_RETENTION_HOURS", "--audit-retention-hours", Kind.INTEGER, -1,
      -1, 876_000),
  // handlers
  HANDLER("handler", "REDFLEET_HANDLER", "--handler", Kind.TEXT, "simulated", 0, 0),
  PLUGINS("plugins", "REDFLEET_PLUGINS", "--plugins", Kind.TEXT, "", 0, 0),
  HANDLER_THREADS("handlerThreads", "REDFLEET_HANDLER_THREADS", "--handler-threads", Kind.INTEGER, 16, 1, 1024),
  // HTTP: metrics, health, the live page
  /** -1 = no HTTP server (the default); 0 = a free port chosen by the system; else that port. */
  HTTP_PORT("httpPort", "REDFLEET_HTTP_PORT", "--http-port", Kind.INTEGER, -1, -1, 65_535),
  /** Loopback by default: /metrics and the page show the fleet's figures to whoever reaches them. */
  HTTP_HOST("httpHost", "REDFLEET_HTTP_HOST", "--http-host", Kind.NAME, "127.0.0.1", 0, 0),
  /** Where the node writes the port it listens on (for httpPort 0, e.g. a container's health check); "" = nowhere. */
  HTTP_PORT_FILE("httpPortFile", "REDFLEET_HTTP_PORT_FILE", "--http-port-file", Kind.TEXT, "", 0, 0),
  // liveness
  LIVENESS_MS("livenessMs", "REDFLEET_LIVENESS_MS", "--liveness-ms", Kind.INTEGER, 50, 0, 60_000),
  RATE("rate", "REDFLEET_RATE", "--rate", Kind.INTEGER, 0, 0, 1_000_000),
  LATENCY_REPORT_MS("latencyReportMs", "REDFLEET_LATENCY_REPORT_MS", "--latency-report-ms", Kind.INTEGER, 0, 0, 60_000),
  // Redis deployments
  REDIS_PASSWORD("redisPassword", "REDIS_PASSWORD", "--redis-password", Kind.TEXT, "", 0, 0),
  REDIS_PASSWORD_FILE("redisPasswordFile", "REDIS_PASSWORD_FILE", "--redis-password-file", Kind.TEXT, "", 0, 0),
  REDIS_TLS_CA_FILE("redisTlsCaFile", "REDIS_TLS_CA_FILE", "--redis-tls-ca-file", Kind.TEXT, "", 0, 0),
  REDIS_TLS_CERT_FILE("redisTlsCertFile", "REDIS_TLS_CERT_FILE", "--redis-tls-cert-file", Kind.TEXT, "", 0, 0),
  REDIS_TLS_KEY_FILE("redisTlsKeyFile", "REDIS_TLS_KEY_FILE", "--redis-tls-key-file", Kind.TEXT, "", 0, 0),
  REDIS_TLS_VERIFY_HOSTNAME("redisTlsVerifyHostname", "REDIS_TLS_VERIFY_HOSTNAME", "--redis-tls-verify-hostname", Kind.FLAG, "true", 0, 1),
  REDIS_MASTER_NAME("redisMasterName", "REDIS_MASTER_NAME", "--redis-master-name", Kind.NAME, "mymaster", 0, 0),
  REDIS_SENTINEL_PASSWORD("redisSentinelPassword", "REDIS_SENTINEL_PASSWORD", "--redis-sentinel-password", Kind.TEXT, "", 0, 0),
  WAIT_REPLICAS("waitReplicas", "REDFLEET_WAIT_REPLICAS", "--wait-replicas", Kind.INTEGER, 0, 0, 16),
  WAIT_TIMEOUT_MS("waitTimeoutMs", "REDFLEET_WAIT_TIMEOUT_MS", "--wait-timeout-ms", Kind.INTEGER, 1000, 1, 60_000),
  // messages in: send, sources, the leader handling
  /** The largest body a message may have (UTF-8 bytes); a larger one is refused at send. */
  MAX_BODY_BYTES("maxBodyBytes", "REDFLEET_MAX_BODY_BYTES", "--max-body-bytes", Kind.INTEGER, 1_048_576, 1, 536_870_912),
  /** How long a dedup key keeps answering with its first message's id. */
  DEDUP_WINDOW_MS("dedupWindowMs", "REDFLEET_DEDUP_WINDOW_MS", "--dedup-window-ms", Kind.INTEGER, 86_400_000, 1, 2_147_483_647),
  /** What the elected generator emits: simulated, none, lines, schedule, or a plug-in's name or class. */
  SOURCE("source", "REDFLEET_SOURCE", "--source", Kind.TEXT, "simulated", 0, 0),
  /** The file of the lines source. */
  SOURCE_FILE("sourceFile", "REDFLEET_SOURCE_FILE", "--source-file", Kind.TEXT, "", 0, 0),
  /** The cron expression of the schedule source (Unix 5 fields, or 6 with seconds first). */
  SCHEDULE("schedule", "REDFLEET_SCHEDULE", "--schedule", Kind.TEXT, "", 0, 0),
  /** The body of each message of the schedule source. */
  SCHEDULE_BODY("scheduleBody", "REDFLEET_SCHEDULE_BODY", "--schedule-body", Kind.TEXT, "", 0, 0),
  /** How long the generator waits before asking a source again that had nothing (and how late a schedule tick may be emitted). */
  SOURCE_POLL_MS("sourcePollMs", "REDFLEET_SOURCE_POLL_MS", "--source-poll-ms", Kind.INTEGER, 100, 1, 3_600_000),
  /** Whether the elected node also runs workers: auto (yes unless the source is simulated), true, false. */
  LEADER_HANDLES("leaderHandles", "REDFLEET_LEADER_HANDLES", "--leader-handles", Kind.TEXT, "auto", 0, 0),
  /** Bearer token that POST /messages and the page's actions require; "" = none (loopback only). */
  HTTP_TOKEN("httpToken", "REDFLEET_HTTP_TOKEN", "--http-token", Kind.TEXT, "", 0, 0),
  /** File whose first line is the HTTP token. */
  HTTP_TOKEN_FILE("httpTokenFile", "REDFLEET_HTTP_TOKEN_FILE", "--http-token-file", Kind.TEXT, "", 0, 0),
  /**
   * Shards of the namespace's queue (docs/DESIGN.md, "Shards"): 1 = one hash tag for everything
   * (the layout of every release before it); N > 1 = N queues, each under its own hash tag. 256 at
   * most: the tags are found by trying suffixes until a tag's slot is in its 1/N of the 16384
   * Cluster slots, and a shard's range must stay wide enough for that to be quick.
   */
  SHARDS("shards", "REDFLEET_SHARDS", "--shards", Kind.INTEGER, 1, 1, 256);

  /** How a raw value is read and checked. */
  public enum Kind { TEXT, NAME, INTEGER, FRACTION, FLAG }

  public final String key;
  public final String env;
  public final String option;
  public final Kind kind;
  public final Object defaultValue;
  /** Smallest accepted value for INTEGER and FRACTION settings. */
  public final long min;
  /**
   * Largest accepted value for INTEGER and FRACTION settings; for TEXT and NAME settings, the
   * longest accepted text ({@link #MAX_TEXT}). A bound protects the fleet from a typo that would
   * otherwise stall it or run a JVM out of memory.
   */
  public final long max;

  /**
   * The highest message id: 2^53, the largest whole number a Lua script holds exactly (the audit,
   * in segments of 2^24 ids, has a bit for every id up to it; one bitmap ended at 2^32 - 1).
   */
  public static final long MAX_MESSAGE_ID = 9_007_199_254_740_992L;
  /** The longest text setting (URLs, names, paths). */
  public static final int MAX_TEXT = 4096;

  Setting(String key, String env, String option, Kind kind, Object defaultValue, long min, long max) {
    this.key = key;
    this.env = env;
    this.option = option;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.min = min;
    this.max = kind == Kind.TEXT || kind == Kind.NAME ? MAX_TEXT : max;
  }
}
