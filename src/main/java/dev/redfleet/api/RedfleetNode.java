package dev.redfleet.api;

import io.vertx.core.Future;

/** A running fleet node, as {@link NodeBuilder#start()} returns it. */
public interface RedfleetNode {
  /** This node's id in the fleet. */
  String nodeId();

  /**
   * Leaves the fleet as {@code run} does on SIGTERM: releases the lease if it generates, stops taking
   * messages, lets running handlers finish for {@code drainMs}, returns the rest to the queue, and
   * closes the node's own Vert.x instance. Calling it again returns the same future.
   */
  Future<Void> stop();
}
