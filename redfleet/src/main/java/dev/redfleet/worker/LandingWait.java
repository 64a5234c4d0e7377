package dev.redfleet.worker;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.DeliveryStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's wait for the next message: BLMOVE from the queue into the node's landing list, on a
 * connection of its own (never a pooled one: it blocks for up to {@code blockMs}, and an event loop
 * never waits on it). What BLMOVE moves is safe in the landing list; the worker's next claim takes
 * it. After any failure the connection and its client are closed, and the next wait starts from a
 * new client, never from a connection or pool that may be broken. One per worker verticle, used on
 * its context.
 */
final class LandingWait {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);

  private final RedisConnector redis;
  private final long blockMs;
  private Redis client;
  private RedisConnection connection;

  LandingWait(RedisConnector redis, long blockMs) {
    this.redis = redis;
    this.blockMs = blockMs;
  }

  /**
   * Waits up to {@code blockMs} for a message of {@code store}'s queue to land: true when one did,
   * false when the wait timed out. Fails (and closes the connection) when Redis did not answer
   * within {@code blockMs} plus the call timeout, or refused.
   */
  Future<Boolean> next(DeliveryStore store) {
    var blmove = store.blockingMove(blockMs);
    return connection()
        .compose(c -> c.send(blmove))
        // an answer that never comes must not hold the worker forever
        .timeout(blockMs + Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(moved -> moved != null)
        .onFailure(e -> close());
  }

  private Future<RedisConnection> connection() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    if (client == null) {
      client = redis.dedicated();
    }
    Redis connecting = client;
    return connecting.connect()
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(c -> {
          if (client != connecting) {
            // closed while connecting (a stop, or a failure): this connection belongs to no one
            c.close();
            return Future.failedFuture("the blocking connection was closed while it was being opened");
          }
          connection = c;
          c.exceptionHandler(e -> log.debug("blocking connection: {}", Backoff.oneLine(e)));
          return Future.succeededFuture(c);
        });
  }

  /** Closes the connection and its client, which also cancels a BLMOVE pending on the server. */
  Future<Void> close() {
    Redis closing = client;
    client = null;
    connection = null;
    return closing == null ? Future.succeededFuture() : closing.close().recover(e -> Future.succeededFuture());
  }
}
