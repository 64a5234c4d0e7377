package dev.redfleet.config;

import dev.redfleet.redis.RedisConnectionOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
      password = readPassword(c.redisPasswordFile());
    }
    if (!parsed.tls() && !(c.redisTlsCaFile().isEmpty() && c.redisTlsCertFile().isEmpty() && c.redisTlsKeyFile().isEmpty())) {
      throw new ConfigException("redisTlsCaFile, redisTlsCertFile and redisTlsKeyFile need a rediss:// URL (TLS)");
    }
    if (c.redisTlsCertFile().isEmpty() != c.redisTlsKeyFile().isEmpty()) {
      throw new ConfigException("redisTlsCertFile and redisTlsKeyFile go together (mutual TLS needs both)");
    }
    readable("redisTlsCaFile", c.redisTlsCaFile());
    readable("redisTlsCertFile", c.redisTlsCertFile());
    readable("redisTlsKeyFile", c.redisTlsKeyFile());
    if (c.waitReplicas() > 0 && parsed.topology() == RedisConnectionOptions.Topology.CLUSTER) {
      throw new ConfigException("waitReplicas is not supported with redis-cluster:// (yet)");
    }
    return parsed.with(password, c.redisTlsCaFile(), c.redisTlsCertFile(), c.redisTlsKeyFile(), c.redisTlsVerifyHostname(),
        c.redisMasterName(), c.redisSentinelPassword(), c.waitReplicas(), c.waitTimeoutMs());
  }

  private static String readPassword(String file) {
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      String first = text.lines().findFirst().orElse("").strip();
      if (first.isEmpty()) {
        throw new ConfigException("redisPasswordFile " + file + " is empty");
      }
      return first;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("cannot read redisPasswordFile " + file + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
          : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")));
    }
  }

  private static void readable(String setting, String file) {
    if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
      throw new ConfigException("cannot read " + setting + " " + file + ": no such readable file");
    }
  }
}
