package dev.redfleet.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Configures and connects a {@link RedfleetClient} ({@link Redfleet#client()}). Settings are those
 * of {@code run} (see docs/OPERATIONS.md); the ones a client uses are the Redis connection
 * ({@code redisUrl}, passwords, TLS, Sentinel), {@code namespace}, {@code maxBodyBytes} and
 * {@code dedupWindowMs}. Sources, lowest precedence first: built-in defaults, the file given to
 * {@link #configFile} (no file is read unless one is given: {@code conf/config.json} may be your
 * program's own), the environment ({@link #env}, else the process environment:
 * {@code REDIS_URL}, {@code REDIS_PASSWORD}, {@code REDFLEET_*}), then the calls of this builder.
 */
public interface ClientBuilder {
  /** The Redis URL, e.g. {@code redis://user:password@host:6379/0}, {@code rediss://...}, {@code redis-sentinel://...}. */
  ClientBuilder redis(String url);

  /** The fleet's key namespace (default {@code redfleet}): the one its nodes run with. */
  ClientBuilder namespace(String namespace);

  /** The Redis password when it is not in the URL. It never appears in a message or log. */
  ClientBuilder password(String password);

  /** A JSON configuration file in the format of {@code run}'s; a missing file fails {@link #connect()}. */
  ClientBuilder configFile(Path file);

  /** The environment to read {@code REDIS_URL} and {@code REDFLEET_*} from, instead of the process's ({@code Map.of()}: none). */
  ClientBuilder env(Map<String, String> env);

  /** One setting by its configuration-file key, e.g. {@code set("maxBodyBytes", 65536)}. Highest precedence. */
  ClientBuilder set(String key, Object value);

  /** Several settings as in a configuration file, e.g. {@code {"dedupWindowMs": 3600000}}. */
  ClientBuilder config(JsonObject settings);

  /** Runs the client on your Vert.x instance (which {@link RedfleetClient#close()} leaves open) instead of its own. */
  ClientBuilder vertx(Vertx vertx);

  /**
   * Reads the settings and checks that Redis answers. Fails with a one-line message free of
   * passwords: {@link IllegalArgumentException} for a bad setting, {@link IllegalStateException}
   * when Redis refuses the credentials, {@link java.io.UncheckedIOException} when Redis is
   * unreachable. Call it once per builder. Never blocks: called on a Vert.x context, the future
   * completes on that context.
   */
  Future<RedfleetClient> connect();

  /**
   * {@link #connect()} for code that does not use Vert.x: completes on
   * {@code ForkJoinPool.commonPool()}, never on an event loop; the client's {@code ...Async}
   * methods answer the same way.
   */
  default CompletableFuture<RedfleetClient> connectAsync() {
    return Stages.of(connect());
  }
}
