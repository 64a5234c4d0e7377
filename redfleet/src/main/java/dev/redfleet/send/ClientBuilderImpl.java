package dev.redfleet.send;

import dev.redfleet.api.ClientBuilder;
import dev.redfleet.api.RedfleetClient;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import dev.redfleet.redis.store.DataFormat;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Registered in META-INF/services for {@link dev.redfleet.api.Redfleet#client()}. Reads the
 * settings with {@link ConfigLoader} (as {@code run} does, but no default file), then checks that
 * Redis answers before handing out the client.
 */
public final class ClientBuilderImpl implements ClientBuilder {
  /**
   * Redis connections of one client. One: Redis runs one script at a time anyway, the calls queued
   * behind it keep it busy, and calls on one connection run in the order they were made, so the
   * sends of one thread enter the queue in the order they were made.
   */
  static final int CONNECTIONS = 1;
  private static final long PING_TIMEOUT_MS = 10_000;

  private final Map<Setting, String> settings = new EnumMap<>(Setting.class);
  private String unknownKey;
  private Path configFile;
  private Map<String, String> env;
  private Vertx vertx;
  private boolean connected;

  @Override
  public ClientBuilder redis(String url) {
    return set(Setting.REDIS_URL.key, url);
  }

  @Override
  public ClientBuilder namespace(String namespace) {
    return set(Setting.NAMESPACE.key, namespace);
  }

  @Override
  public ClientBuilder password(String password) {
    return set(Setting.REDIS_PASSWORD.key, password);
  }

  @Override
  public ClientBuilder configFile(Path file) {
    this.configFile = file;
    return this;
  }

  @Override
  public ClientBuilder env(Map<String, String> env) {
    this.env = Map.copyOf(env);
    return this;
  }

  @Override
  public ClientBuilder set(String key, Object value) {
    Setting setting = Arrays.stream(Setting.values()).filter(s -> s.key.equals(key)).findFirst().orElse(null);
    if (setting == null) {
      unknownKey = unknownKey == null ? key : unknownKey;
    } else if (value == null) {
      settings.remove(setting);
    } else {
      settings.put(setting, String.valueOf(value));
    }
    return this;
  }

  @Override
  public ClientBuilder config(JsonObject values) {
    values.forEach(e -> set(e.getKey(), e.getValue()));
    return this;
  }

  @Override
  public ClientBuilder vertx(Vertx vertx) {
    this.vertx = vertx;
    return this;
  }

  @Override
  public synchronized Future<RedfleetClient> connect() {
    if (connected) {
      return Future.failedFuture(new IllegalStateException("connect() was called already on this builder"));
    }
    connected = true;
    Context caller = Vertx.currentContext();
    boolean own = vertx == null;
    Vertx vx = own ? Vertx.vertx() : vertx;
    // reading the settings (a file, secret files) blocks: on a thread of its own, never an event loop
    Promise<FleetConfig> loaded = Promise.promise();
    Thread reader = new Thread(() -> {
      try {
        loaded.complete(load(vx));
      } catch (Throwable e) {
        loaded.fail(e);
      }
    }, "redfleet-client-connect");
    reader.setDaemon(true);
    reader.start();
    Future<RedfleetClient> client = loaded.future()
        .compose(config -> open(vx, own, config))
        .recover(e -> (own ? ClientImpl.closeVertx(vx) : Future.<Void>succeededFuture())
            .transform(ignored -> Future.failedFuture(e)));
    if (caller == null) {
      return client;
    }
    // called on a Vert.x context: its callbacks run there, as those of the client's sends do
    Promise<RedfleetClient> onCaller = Promise.promise();
    client.onComplete(result -> caller.runOnContext(v -> onCaller.handle(result)));
    return onCaller.future();
  }

  private FleetConfig load(Vertx vx) {
    if (unknownKey != null) {
      throw new IllegalArgumentException("unknown setting '" + unknownKey + "' given to set() (known: "
          + String.join(", ", Arrays.stream(Setting.values()).map(s -> s.key).sorted().toList()) + ")");
    }
    try {
      return ConfigLoader.loadWithoutDefaultFile(vx, configFile, env, settings);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("bad configuration: " + e.getMessage());
    }
  }

  private static Future<RedfleetClient> open(Vertx vx, boolean own, FleetConfig config) {
    RedisConnector connector;
    Redis redis;
    try {
      connector = RedisConnector.create(vx, config.redis());
      redis = connector.pooled(CONNECTIONS);
    } catch (ConfigException e) {
      return Future.failedFuture(new IllegalArgumentException("bad configuration: " + e.getMessage()));
    }
    Keys keys = new Keys(config.namespace());
    Scripts scripts = connector.scripts(redis, keys, dev.redfleet.redis.Floors.Settings.client());
    Sender sender = new Sender(scripts, new dev.redfleet.redis.Shards(keys, config.shards()), config.maxBodyBytes(),
        config.dedupWindowMs());
    SendQueue queue = new SendQueue(sender, ClientImpl.CALLS_IN_FLIGHT, e -> ClientFailures.of(config.redis(), e));
    return redis.send(Request.cmd(Command.PING))
        .timeout(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        // before the first send: a namespace of another release's data format is refused
        .compose(pong -> DataFormat.check(scripts, keys, config.namespace(), config.shards()).timeout(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS))
        .<RedfleetClient>map(checked -> new ClientImpl(sender, queue, redis, vx, own))
        .recover(e -> {
          redis.close();
          return Future.failedFuture(e instanceof DataFormat.MismatchException
              ? new IllegalStateException(e.getMessage()) : ClientFailures.of(config.redis(), e));
        });
  }
}
