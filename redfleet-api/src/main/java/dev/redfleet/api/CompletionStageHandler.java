package dev.redfleet.api;

import java.util.concurrent.CompletionStage;

/**
 * A handler for code that does not use Vert.x: it answers with a {@link CompletionStage}, such as
 * the {@code CompletableFuture} of {@code HttpClient.sendAsync} or of a Spring {@code @Async}
 * method, completed on any thread. It is called on a worker's event loop, so {@code handle} itself
 * must return at once (start the work, return its stage); for code that blocks, write a
 * {@link BlockingHandler}.
 *
 * <p>The answer is the stage's outcome, as for {@link Handler}: completed normally, the message is
 * done; completed with a {@link HandlerFailure}, it fails with that reason as given; with any other
 * exception (or when {@code handle} throws, or returns null), with {@code exception: <class name>:
 * <message>}; not completed within {@code handlerTimeoutMs}, with {@code timeout}. A
 * {@link java.util.concurrent.CompletionException} is unwrapped to its cause.
 *
 * <p>One instance serves all worker verticles of a node: {@code handle} must be thread-safe. A
 * plug-in class implementing it is loaded by the {@code handler} setting like the other kinds.
 */
@FunctionalInterface
public interface CompletionStageHandler {
  CompletionStage<Void> handle(Message message) throws Exception;
}
