package dev.redfleet.cli;

import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.Setting;
import dev.redfleet.redis.RedisClients;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes. Values stay text until {@link ConfigLoader} checks them. */
public final class CommonOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "JSON configuration file (default: conf/config.json when it exists).")
  Path config;

  @Option(names = "--redis", paramLabel = "URL",
      description = "Redis URL, e.g. redis://:password@host:6379/0 (env REDIS_URL; default redis://localhost:6379).")
  String redis;

  @Option(names = "--namespace", paramLabel = "NAME",
      description = "Key namespace; keys are {NAME}:... (env REDFLEET_NAMESPACE; default redfleet).")
  String namespace;

  /** Loads the configuration with these options and {@code more} on top. */
  FleetConfig load(Vertx vertx, Map<Setting, String> more) {
    Map<Setting, String> cli = new EnumMap<>(Setting.class);
    put(cli, Setting.REDIS_URL, redis);
    put(cli, Setting.NAMESPACE, namespace);
    cli.putAll(more);
    return ConfigLoader.load(vertx, config, null, cli);
  }

  static void put(Map<Setting, String> cli, Setting setting, String value) {
    if (value != null) {
      cli.put(setting, value);
    }
  }

  /** A pooled client for a one-shot command, after checking that Redis answers at all. */
  static Redis connect(Vertx vertx, FleetConfig config) {
    Redis redis = RedisClients.pooled(vertx, config.redisUrl(), 2);
    try {
      redis.send(Request.cmd(Command.PING)).await(Duration.ofSeconds(5));
    } catch (Exception e) {
      Throwable cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
      String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage().lines().findFirst().orElse("");
      throw new RedisUnreachableException("Redis unreachable at " + RedisUrls.redact(config.redisUrl()) + ": " + reason);
    }
    return redis;
  }
}
