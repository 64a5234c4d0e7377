package dev.redfleet.api;

import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;

/** A running fleet node, as {@link NodeBuilder#start()} returns it. */
public interface RedfleetNode {
  /** This node's id in the fleet. */
  String nodeId();

  /**
   * Leaves the fleet as {@code run} does on SIGTERM: releases the lease if it generates, stops taking
   * messages, lets running handlers finish for {@code drainMs}, returns the rest to the queue, and
   * closes the node's own Vert.x instance. Calling it again returns the same future.
   *
   * <p>A node stops by itself, without ending the JVM, when another live process takes its node id
   * (its connection to Redis was lost, and meanwhile a process started with the same id); it logs
   * that in one line, and this future, the same for every call, fails with an
   * {@link IllegalStateException} saying so.
   */
  Future<Void> stop();

  /** {@link #stop()} for code that does not use Vert.x: completes on {@code ForkJoinPool.commonPool()}. */
  default CompletableFuture<Void> stopAsync() {
    return Stages.of(stop());
  }
}
