package dev.redfleet.api;

import io.vertx.core.Future;

/**
 * An asynchronous handler: called on a worker's event loop, so it must never block (no sleeping,
 * no blocking I/O, no {@code Future.await}); use Vert.x clients, or write a {@link BlockingHandler}.
 *
 * <p>The answer is the returned future:
 * <ul>
 *   <li>succeeded: the message is done;
 *   <li>failed with {@code Future.failedFuture("reason")} or a {@link HandlerFailure}: the message
 *       fails with that reason as given;
 *   <li>failed with any other exception, or {@code handle} throws: the message fails with the reason
 *       {@code exception: <class name>: <message>};
 *   <li>not completed within {@code handlerTimeoutMs}: the message fails with the reason
 *       {@code timeout}; an answer that comes later is ignored.
 * </ul>
 * A future completes once, so a message has one answer; its outcome is recorded once.
 *
 * <p>One instance serves all worker verticles of a node: {@code handle} is called concurrently from
 * several event-loop threads and must be thread-safe.
 */
@FunctionalInterface
public interface Handler {
  Future<Void> handle(Message message);
}
