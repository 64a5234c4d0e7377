package dev.redfleet.api;

import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * The {@code ...Async} variants of the public API: a Vert.x future turned into a
 * {@link CompletableFuture} that completes on {@link ForkJoinPool#commonPool()}, never on a Vert.x
 * event loop, so that a caller's dependent stages may block.
 */
final class Stages {
  private Stages() {}

  static <T> CompletableFuture<T> of(Future<T> future) {
    CompletableFuture<T> stage = new CompletableFuture<>();
    future.onComplete(ar -> ForkJoinPool.commonPool().execute(() -> {
      if (ar.succeeded()) {
        stage.complete(ar.result());
      } else {
        stage.completeExceptionally(ar.cause());
      }
    }));
    return stage;
  }
}
