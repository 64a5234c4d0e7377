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
    int minClaim,
    int finishLingerMs,
    int drainMs,
    int generatorStallMs,
    // retries
    int attempts,
    int backoffMs,
    int backoffMaxMs,
    // the audit
    int auditRetentionHours,
    // handlers
    String handler,
    String plugins,
    int handlerThreads,
    // HTTP: metrics, health, the live page
    int httpPort,
    String httpHost,
    String httpPortFile,
    // liveness
    int livenessMs,
    int rate,
    int latencyReportMs,
    // Redis deployments
    String redisPassword,
    String redisPasswordFile,
    String redisTlsCaFile,
    String redisTlsCertFile,
    String redisTlsKeyFile,
    boolean redisTlsVerifyHostname,
    String redisMasterName,
    String redisSentinelPassword,
    int waitReplicas,
    int waitTimeoutMs,
    // messages in
    int maxBodyBytes,
    int dedupWindowMs,
    String source,
    String sourceFile,
    String schedule,
    String scheduleBody,
    int sourcePollMs,
    String leaderHandlesSetting,
    String httpToken,
    String httpTokenFile,
    // shards
    int shards) {

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
        i(v, Setting.MIN_CLAIM),
        i(v, Setting.FINISH_LINGER_MS),
        i(v, Setting.DRAIN_MS),
        i(v, Setting.GENERATOR_STALL_MS),
        // retries
        i(v, Setting.ATTEMPTS),
        i(v, Setting.BACKOFF_MS),
        i(v, Setting.BACKOFF_MAX_MS),
        // the audit
        i(v, Setting.AUDIT_RETENTION_HOURS),
        // handlers
        (String) v.get(Setting.HANDLER),
        (String) v.get(Setting.PLUGINS),
        i(v, Setting.HANDLER_THREADS),
        // HTTP: metrics, health, the live page
        i(v, Setting.HTTP_PORT),
        (String) v.get(Setting.HTTP_HOST),
        (String) v.get(Setting.HTTP_PORT_FILE),
        // liveness
        i(v, Setting.LIVENESS_MS),
        i(v, Setting.RATE),
        i(v, Setting.LATENCY_REPORT_MS),
        // Redis deployments
        (String) v.get(Setting.REDIS_PASSWORD),
        (String) v.get(Setting.REDIS_PASSWORD_FILE),
        (String) v.get(Setting.REDIS_TLS_CA_FILE),
        (String) v.get(Setting.REDIS_TLS_CERT_FILE),
        (String) v.get(Setting.REDIS_TLS_KEY_FILE),
        (Boolean) v.get(Setting.REDIS_TLS_VERIFY_HOSTNAME),
        (String) v.get(Setting.REDIS_MASTER_NAME),
        (String) v.get(Setting.REDIS_SENTINEL_PASSWORD),
        i(v, Setting.WAIT_REPLICAS),
        i(v, Setting.WAIT_TIMEOUT_MS),
        // messages in
        i(v, Setting.MAX_BODY_BYTES),
        i(v, Setting.DEDUP_WINDOW_MS),
        (String) v.get(Setting.SOURCE),
        (String) v.get(Setting.SOURCE_FILE),
        (String) v.get(Setting.SCHEDULE),
        (String) v.get(Setting.SCHEDULE_BODY),
        i(v, Setting.SOURCE_POLL_MS),
        (String) v.get(Setting.LEADER_HANDLES),
        (String) v.get(Setting.HTTP_TOKEN),
        (String) v.get(Setting.HTTP_TOKEN_FILE),
        i(v, Setting.SHARDS));
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
    v.put(Setting.MIN_CLAIM, minClaim);
    v.put(Setting.FINISH_LINGER_MS, finishLingerMs);
    v.put(Setting.DRAIN_MS, drainMs);
    v.put(Setting.GENERATOR_STALL_MS, generatorStallMs);
    // retries
    v.put(Setting.ATTEMPTS, attempts);
    v.put(Setting.BACKOFF_MS, backoffMs);
    v.put(Setting.BACKOFF_MAX_MS, backoffMaxMs);
    v.put(Setting.AUDIT_RETENTION_HOURS, auditRetentionHours);
    // handlers
    v.put(Setting.HANDLER, handler);
    v.put(Setting.PLUGINS, plugins);
    v.put(Setting.HANDLER_THREADS, handlerThreads);
    // HTTP: metrics, health, the live page
    v.put(Setting.HTTP_PORT, httpPort);
    v.put(Setting.HTTP_HOST, httpHost);
    v.put(Setting.HTTP_PORT_FILE, httpPortFile);
    // liveness
    v.put(Setting.LIVENESS_MS, livenessMs);
    v.put(Setting.RATE, rate);
    v.put(Setting.LATENCY_REPORT_MS, latencyReportMs);
    // Redis deployments
    v.put(Setting.REDIS_PASSWORD, redisPassword);
    v.put(Setting.REDIS_PASSWORD_FILE, redisPasswordFile);
    v.put(Setting.REDIS_TLS_CA_FILE, redisTlsCaFile);
    v.put(Setting.REDIS_TLS_CERT_FILE, redisTlsCertFile);
    v.put(Setting.REDIS_TLS_KEY_FILE, redisTlsKeyFile);
    v.put(Setting.REDIS_TLS_VERIFY_HOSTNAME, redisTlsVerifyHostname);
    v.put(Setting.REDIS_MASTER_NAME, redisMasterName);
    v.put(Setting.REDIS_SENTINEL_PASSWORD, redisSentinelPassword);
    v.put(Setting.WAIT_REPLICAS, waitReplicas);
    v.put(Setting.WAIT_TIMEOUT_MS, waitTimeoutMs);
    // messages in
    v.put(Setting.MAX_BODY_BYTES, maxBodyBytes);
    v.put(Setting.DEDUP_WINDOW_MS, dedupWindowMs);
    v.put(Setting.SOURCE, source);
    v.put(Setting.SOURCE_FILE, sourceFile);
    v.put(Setting.SCHEDULE, schedule);
    v.put(Setting.SCHEDULE_BODY, scheduleBody);
    v.put(Setting.SOURCE_POLL_MS, sourcePollMs);
    v.put(Setting.LEADER_HANDLES, leaderHandlesSetting);
    v.put(Setting.HTTP_TOKEN, httpToken);
    v.put(Setting.HTTP_TOKEN_FILE, httpTokenFile);
    v.put(Setting.SHARDS, shards);
    v.put(setting, value);
    return of(v);
  }

  /** The Redis deployment these settings describe (topology, endpoints, credentials, TLS). */
  public dev.redfleet.redis.RedisConnectionOptions redis() {
    return RedisDeployment.options(this);
  }

  /**
   * Whether the elected node also runs workers: {@code leaderHandles} true or false, or for
   * {@code auto} (the default) yes for every source but {@code simulated}, whose generator keeps
   * the original rule of handling nothing.
   */
  public boolean leaderHandles() {
    return switch (leaderHandlesSetting) {
      case "true" -> true;
      case "false" -> false;
      default -> !"simulated".equals(source);
    };
  }

  /** Secrets must never be printed: the record's own toString would show them. */
  @Override
  public String toString() {
    return "FleetConfig[redis=" + RedisUrls.redact(redisUrl) + ", namespace=" + namespace + ", nodeId=" + nodeId + "]";
  }

  /**
   * How long a silent node stays known to the reaper after it went quiet: longer than any BLMOVE it
   * may have had pending, so a stopped-but-connected process cannot land a message after it is
   * forgotten.
   */
  public int forgetMs() {
    return staleMs + heartbeatMs + blockMs + 1000;
  }

  /**
   * How long before its lease could expire a leader stops believing in it, measured from the send
   * of its last successful renewal: it covers clock-rate differences between this machine and
   * Redis. {@code renewMs} must be shorter than {@code leaseMs} minus this.
   */
  public static long stepDownMarginMs(long leaseMs) {
    return Math.max(50, leaseMs / 10);
  }
}
