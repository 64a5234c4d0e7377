package dev.redfleet.cli;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.Setting;
import dev.redfleet.redis.store.DataFormat;
import dev.redfleet.redis.Floors;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisFailures;
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
      // one URL per line, each shorter than the description column (about 45 characters at picocli's
      // 80): picocli breaks a line after a colon, and split "redis:" from "//localhost:6379"
      description = {"Redis URL (env REDIS_URL), one of:",
          "redis://[user[:password]@]host:port[/db]",
          "rediss://...  (TLS, same form)",
          "redis-sentinel://host:port,host:port (sentinels)",
          "redis-cluster://host:port,host:port (seeds)",
          "unix:///path/to/redis.sock",
          "Default: redis://localhost:6379"})
  String redis;

  // Redis deployments
  @Option(names = "--redis-password", paramLabel = "PASSWORD",
      description = "Redis password when not in the URL; prefer env REDIS_PASSWORD or --redis-password-file.")
  String redisPassword;
  @Option(names = "--redis-password-file", paramLabel = "FILE",
      description = "File whose first line is the Redis password (env REDIS_PASSWORD_FILE).")
  String redisPasswordFile;
  @Option(names = "--redis-tls-ca-file", paramLabel = "FILE",
      description = "PEM CA certificate(s) trusted for a rediss:// server (default: the JVM's trust store).")
  String redisTlsCaFile;
  @Option(names = "--redis-tls-cert-file", paramLabel = "FILE", description = "PEM client certificate for mutual TLS.")
  String redisTlsCertFile;
  @Option(names = "--redis-tls-key-file", paramLabel = "FILE", description = "PEM private key of the client certificate.")
  String redisTlsKeyFile;
  @Option(names = "--redis-tls-verify-hostname", paramLabel = "BOOL",
      description = "Check that the server certificate names the host (default true; false is logged as a warning).")
  String redisTlsVerifyHostname;
  @Option(names = "--redis-master-name", paramLabel = "NAME", description = "Sentinel master name (default mymaster).")
  String redisMasterName;
  @Option(names = "--redis-sentinel-password", paramLabel = "PASSWORD",
      description = "Password of the sentinels themselves (env REDIS_SENTINEL_PASSWORD).")
  String redisSentinelPassword;

  @Option(names = "--namespace", paramLabel = "NAME",
      description = "Key namespace; keys are {NAME}:... (env REDFLEET_NAMESPACE; default redfleet).")
  String namespace;

  @Option(names = "--shards", paramLabel = "N",
      description = "Shards of the namespace's queue, 1-256, each under its own hash tag (env REDFLEET_SHARDS; default 1). Every node and command of a namespace must give the same N.")
  String shards;

  /** Loads the configuration with these options and {@code more} on top. */
  FleetConfig load(Vertx vertx, Map<Setting, String> more) {
    Map<Setting, String> cli = new EnumMap<>(Setting.class);
    put(cli, Setting.REDIS_URL, redis);
    put(cli, Setting.NAMESPACE, namespace);
    put(cli, Setting.SHARDS, shards);
    put(cli, Setting.REDIS_PASSWORD, redisPassword);
    put(cli, Setting.REDIS_PASSWORD_FILE, redisPasswordFile);
    put(cli, Setting.REDIS_TLS_CA_FILE, redisTlsCaFile);
    put(cli, Setting.REDIS_TLS_CERT_FILE, redisTlsCertFile);
    put(cli, Setting.REDIS_TLS_KEY_FILE, redisTlsKeyFile);
    put(cli, Setting.REDIS_TLS_VERIFY_HOSTNAME, redisTlsVerifyHostname);
    put(cli, Setting.REDIS_MASTER_NAME, redisMasterName);
    put(cli, Setting.REDIS_SENTINEL_PASSWORD, redisSentinelPassword);
    cli.putAll(more);
    return ConfigLoader.load(vertx, config, null, cli, VertxConfigSources.INSTANCE);
  }

  static void put(Map<Setting, String> cli, Setting setting, String value) {
    if (value != null) {
      cli.put(setting, value);
    }
  }

  /** A pooled client for a one-shot command, after checking that Redis answers at all. */
  static Redis connect(Vertx vertx, FleetConfig config) {
    return connect(vertx, config, 2);
  }

  /**
   * The script runner of a command that hands out ids (send, requeue-errors): guarded by floors
   * like a node's (it learns the dataset first and never issues below what Redis or it has seen),
   * WAIT as configured.
   */
  static Scripts issuing(Vertx vertx, FleetConfig config, Redis redis) {
    Keys keys = new Keys(config.namespace());
    Scripts scripts = RedisConnector.create(vertx, config.redis()).scripts(redis, keys, Floors.Settings.client());
    // before the first write: a namespace of another release's data format is refused (exit 2)
    try {
      DataFormat.check(scripts, keys, config.namespace(), config.shards()).await();
    } catch (DataFormat.MismatchException e) {
      throw e;
    } catch (Throwable e) {
      throw failure(config.redis(), e);
    }
    return scripts;
  }

  /** The namespace's shards as configured (checked against Redis by {@link #issuing} and {@link #checkShards}). */
  static Shards shards(FleetConfig config) {
    return new Shards(new Keys(config.namespace()), config.shards());
  }

  /**
   * For a command that reads or moves what is in the shards without handing out ids (getErrors,
   * status): a namespace laid out in another number of shards, or in another release's data
   * format, is refused (exit 2) before anything is read or written.
   */
  static void checkShards(Vertx vertx, FleetConfig config, Redis redis) {
    Keys keys = new Keys(config.namespace());
    try {
      DataFormat.expect(new Scripts(redis), keys, config.namespace(), config.shards()).await();
    } catch (DataFormat.MismatchException e) {
      throw e;
    } catch (Throwable e) {
      throw failure(config.redis(), e);
    }
  }

  /** As {@link #connect(Vertx, FleetConfig)}, with at most {@code connections} connections. */
  static Redis connect(Vertx vertx, FleetConfig config, int connections) {
    RedisConnectionOptions options = config.redis();
    Redis redis = RedisConnector.create(vertx, options).pooled(connections);
    try {
      redis.send(Request.cmd(Command.PING)).await(Duration.ofSeconds(10));
    } catch (Throwable e) {
      // Vert.x's Redis error replies are Throwables, not Exceptions
      redis.close();
      throw failure(options, e);
    }
    return redis;
  }

  /**
   * The exception a command ends with after Redis failed it: bad configuration (exit 2), refused
   * for good (exit 4) or unreachable (exit 3). The message is one line without secrets.
   */
  static RuntimeException failure(RedisConnectionOptions options, Throwable e) {
    if (e instanceof Error error && !(e.getClass().getName().startsWith("io.vertx"))) {
      throw error;
    }
    var misconfigured = RedisFailures.misconfigured(e);
    if (misconfigured.isPresent()) {
      // the sentinels do not know the master name: retrying will not help a one-shot command
      return new ConfigException(RedisUrls.redact(misconfigured.get()) + " (" + options.describe() + ")");
    }
    var permanent = RedisFailures.permanent(e);
    if (permanent.isPresent()) {
      String reason = RedisUrls.redact(permanent.get().reason()) + " (" + options.describe() + ")";
      return permanent.get().kind() == RedisFailures.Kind.BAD_CONFIG
          ? new ConfigException(reason)
          : new RedisRefusedException("Redis refused this client: " + reason);
    }
    String reason = Backoff.oneLine(e);
    if (options.tls() && reason.contains("Connection is closed")) {
      reason += " (a server that does not speak TLS closes the connection like this: is the port TLS?)";
    } else if (!options.tls() && (reason.contains("Connection is closed") || reason.contains("Connection reset"))) {
      reason += " (a TLS-only server closes a plain connection like this: try rediss://)";
    }
    return new RedisUnreachableException("Redis unreachable at " + options.describe() + ": " + RedisUrls.redact(reason));
  }
}
