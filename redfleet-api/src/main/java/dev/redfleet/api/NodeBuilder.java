package dev.redfleet.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Builds and starts one fleet node. Settings come from the same sources as {@code run}, lowest
 * precedence first: built-in defaults, the configuration file ({@link #configFile}, else
 * {@code conf/config.json} when it exists), the environment ({@link #env}, else the process
 * environment), the command-line options ({@link #args}), then {@link #set} / {@link #config}.
 * Every value is checked as {@code run} checks it; a bad one fails {@link #start()} with a
 * one-line message.
 */
public interface NodeBuilder {
  /** The node's handler (asynchronous kind). Without a handler the {@code handler} setting names one, as for {@code run}. */
  NodeBuilder handler(Handler handler);

  /** The node's handler (blocking kind, runs on the handler pool). */
  NodeBuilder blockingHandler(BlockingHandler handler);

  /** The node's handler (answers with a {@link java.util.concurrent.CompletionStage}, completed on any thread). */
  NodeBuilder stageHandler(CompletionStageHandler handler);

  /** Options exactly as {@code run} takes them, e.g. {@code "--workers", "4", "--redis", url}. */
  NodeBuilder args(String... args);

  /** The configuration file; a missing file fails {@link #start()}. */
  NodeBuilder configFile(Path file);

  /** The environment to read {@code REDIS_URL} and {@code REDFLEET_*} from, instead of the process's. */
  NodeBuilder env(Map<String, String> env);

  /** One setting by its configuration-file key, e.g. {@code set("workers", 4)}. Highest precedence. */
  NodeBuilder set(String key, Object value);

  /** Several settings as in a configuration file, e.g. {@code {"workers": 4, "limit": 1000}}. */
  NodeBuilder config(JsonObject settings);

  /** Runs the node on this Vert.x instance (which stop() then leaves open) instead of its own. */
  NodeBuilder vertx(Vertx vertx);

  /**
   * Reads the settings, loads the handler and joins the fleet. Fails with a {@code
   * IllegalArgumentException} carrying one line for bad settings or a bad handler.
   */
  Future<RedfleetNode> start();

  /** {@link #start()} for code that does not use Vert.x: completes on {@code ForkJoinPool.commonPool()}. */
  default CompletableFuture<RedfleetNode> startAsync() {
    return Stages.of(start());
  }
}
