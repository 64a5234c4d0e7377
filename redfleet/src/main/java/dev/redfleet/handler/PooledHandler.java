package dev.redfleet.handler;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.Handler;
import dev.redfleet.api.Message;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

/**
 * A blocking handler run on the node's handler pool. Unordered: the pool runs as many messages at
 * once as it has threads. The answer comes back on the calling worker's event loop.
 */
final class PooledHandler implements Handler, AutoCloseable {
  private final WorkerExecutor pool;
  private final BlockingHandler blocking;

  PooledHandler(WorkerExecutor pool, BlockingHandler blocking) {
    this.pool = pool;
    this.blocking = blocking;
  }

  @Override
  public Future<Void> handle(Message message) {
    return pool.executeBlocking(() -> {
      blocking.handle(message);
      return null;
    }, false);
  }

  /** Closes the blocking handler if it holds resources (a plug-in's file, say). */
  @Override
  public void close() throws Exception {
    if (blocking instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }
}
