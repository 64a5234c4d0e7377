package dev.redfleet.api;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What a {@link SourceFactory} gets to build its source with. */
public interface SourceContext {
  /** The node's Vert.x instance (for timers, HTTP clients, ...). */
  Vertx vertx();

  /** This node's id in the fleet. */
  String nodeId();

  /**
   * The node's resolved settings, by their key in the configuration file (e.g.
   * {@code sourceFile}, {@code batchSize}, {@code maxBodyBytes}). Secrets (passwords, the HTTP
   * token) and the Redis URL are left out.
   */
  JsonObject settings();

  /**
   * Now, in ms since the epoch, on the fleet's shared clock: the Redis server's clock as this node
   * estimates it (within a few ms on every node), or this JVM's clock until the first estimate. A
   * source that decides by time (a schedule) should use it, so that a failover to a node whose
   * clock is off does not move its decisions.
   */
  long nowMs();

  /** Wraps a blocking source so that it runs on the node's source thread, never on an event loop. */
  Source blocking(BlockingSource source);
}
