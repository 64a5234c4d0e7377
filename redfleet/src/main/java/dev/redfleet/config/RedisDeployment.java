package dev.redfleet.config;

import dev.redfleet.redis.RedisConnectionOptions;

/**
 * Turns the Redis settings into {@link RedisConnectionOptions}: the URL, then the password (URL,
 * else {@code redisPassword}/{@code REDIS_PASSWORD}, else the first line of {@code redisPasswordFile}),
 * TLS files, Sentinel and WAIT settings. Every message it throws is free of secrets.
 */
final class RedisDeployment {
  private RedisDeployment() {}

  static RedisConnectionOptions options(FleetConfig c) {
    RedisConnectionOptions parsed;
    try {
      parsed = RedisConnectionOptions.parse(c.redisUrl());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("redisUrl '" + RedisUrls.redact(c.redisUrl()) + "': " + e.getMessage());
    }
    String password = c.redisPassword();
    if (password.isEmpty() && !c.redisPasswordFile().isEmpty()) {
      password = SecretFile.firstLine("redisPasswordFile", c.redisPasswordFile());
    }
    if (!parsed.tls() && !(c.redisTlsCaFile().isEmpty() && c.redisTlsCertFile().isEmpty() && c.redisTlsKeyFile().isEmpty())) {
      throw new ConfigException("redisTlsCaFile, redisTlsCertFile and redisTlsKeyFile need a rediss:// URL (TLS)");
    }
    if (c.redisTlsCertFile().isEmpty() != c.redisTlsKeyFile().isEmpty()) {
      throw new ConfigException("redisTlsCertFile and redisTlsKeyFile go together (mutual TLS needs both)");
    }
    // readable and holding what each says, before anything connects: a key given as the CA is bad
    // configuration (exit 2), not a handshake that fails later like an unreachable Redis
    TlsFiles.check(c.redisTlsCaFile(), c.redisTlsCertFile(), c.redisTlsKeyFile());
    if (c.waitReplicas() > 0 && parsed.topology() == RedisConnectionOptions.Topology.CLUSTER) {
      throw new ConfigException("waitReplicas is not supported with redis-cluster:// (yet)");
    }
    return parsed.with(password, c.redisTlsCaFile(), c.redisTlsCertFile(), c.redisTlsKeyFile(), c.redisTlsVerifyHostname(),
        c.redisMasterName(), c.redisSentinelPassword(), c.waitReplicas(), c.waitTimeoutMs());
  }
}
