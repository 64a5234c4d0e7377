package dev.redfleet.api;

/**
 * A handler that may block (JDBC, files, a blocking HTTP client, {@code Thread.sleep}). It runs on
 * the node's handler pool ({@code handlerThreads} threads, default 16), never on an event loop.
 *
 * <p>The answer: returning normally is success; throwing a {@link HandlerFailure} fails the message
 * with that reason as given; throwing anything else fails it with the reason
 * {@code exception: <class name>: <message>}. A call still running after {@code handlerTimeoutMs}
 * fails the message with the reason {@code timeout}, and what it returns later is ignored; its
 * thread stays busy until it returns, so a handler that can hang should time out by itself.
 *
 * <p>One instance serves the whole node: {@code handle} is called concurrently from the pool's
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface BlockingHandler {
  void handle(Message message) throws Exception;
}
