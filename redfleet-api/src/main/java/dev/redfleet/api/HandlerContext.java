package dev.redfleet.api;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What a {@link HandlerFactory} gets to build its handler with. */
public interface HandlerContext {
  /** The node's Vert.x instance (for timers, HTTP clients, ...). */
  Vertx vertx();

  /** This node's id in the fleet. */
  String nodeId();

  /**
   * The node's resolved settings, by their key in the configuration file
   * (e.g. {@code maxDelayMs}, {@code handlerTimeoutMs}). The Redis URL is left out: it may hold a
   * password.
   */
  JsonObject settings();

  /** Wraps a blocking handler so that it runs on the node's handler pool, never on an event loop. */
  Handler blocking(BlockingHandler handler);
}
