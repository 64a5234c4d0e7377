package dev.redfleet.api;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends messages to a fleet's queue from any program: one connection pool to the fleet's Redis,
 * no node, no handler. Made by {@link Redfleet#client()}:
 *
 * <pre>{@code
 * RedfleetClient client = Redfleet.client().redis("redis://localhost:6379").namespace("orders").connect().await();
 * long id = client.send("hello").await();
 * client.close().await();
 * }</pre>
 *
 * <p>Thread-safe: call it from any thread, your own {@code main} (then {@code await()} the
 * futures) or a Vert.x event loop (then compose them; never {@code await()} there). No call blocks.
 * Sends made while earlier ones are still on the wire are grouped into fewer Redis calls, so many
 * small sends in flight at once are cheap. Sends made one after the other (from one thread, or
 * in one {@link #sendAll}) get increasing ids and enter the queue in that order.
 *
 * <p>What a failed future carries, always with a one-line message free of passwords:
 * <ul>
 *   <li>{@link IllegalArgumentException}: the message breaks a limit (see {@link SendOptions} and
 *       the {@code maxBodyBytes} setting); nothing was sent. Do not retry it.
 *   <li>{@link IllegalStateException}: the client is closed, or Redis refused it for good (wrong
 *       password, ACL user without the rights to send). Retrying does not help.
 *   <li>{@link java.io.UncheckedIOException}: Redis did not answer (down, unreachable, no answer
 *       within 10 s). The message may or may not have been added: retry with a key
 *       ({@link SendOptions#setKey}) to be sure it is added once.
 * </ul>
 */
public interface RedfleetClient {
  /** Sends one message, due at once, without key or headers; completes with its id. */
  Future<Long> send(String body);

  /** Sends one message with a key, a delay or due time, and headers; completes with its id. */
  Future<Long> send(String body, SendOptions options);

  /** Sends one message; completes with its id (for a key already used inside the dedup window, the first message's id). */
  Future<Long> send(NewMessage message);

  /**
   * Sends every message, or none when one breaks a limit (an {@link IllegalArgumentException}
   * naming its position, 1-based). Completes with the ids in the order of the list. Large lists
   * go out in several atomic Redis calls: if Redis fails half way, some may have been added.
   */
  Future<List<Long>> sendAll(List<NewMessage> messages);

  /**
   * Waits for the sends already made, then closes the connections (and the client's own Vert.x,
   * not one given to {@link ClientBuilder#vertx}). Later sends fail; calling it again is harmless.
   */
  Future<Void> close();

  // the same calls for code that does not use Vert.x: each returns a CompletableFuture that
  // completes on ForkJoinPool.commonPool(), never on an event loop (join() waits for it)

  /** {@link #send(String)} as a {@link CompletableFuture}. */
  default CompletableFuture<Long> sendAsync(String body) {
    return Stages.of(send(body));
  }

  /** {@link #send(String, SendOptions)} as a {@link CompletableFuture}. */
  default CompletableFuture<Long> sendAsync(String body, SendOptions options) {
    return Stages.of(send(body, options));
  }

  /** {@link #send(NewMessage)} as a {@link CompletableFuture}. */
  default CompletableFuture<Long> sendAsync(NewMessage message) {
    return Stages.of(send(message));
  }

  /** {@link #sendAll(List)} as a {@link CompletableFuture}. */
  default CompletableFuture<List<Long>> sendAllAsync(List<NewMessage> messages) {
    return Stages.of(sendAll(messages));
  }

  /** {@link #close()} as a {@link CompletableFuture}. */
  default CompletableFuture<Void> closeAsync() {
    return Stages.of(close());
  }
}
