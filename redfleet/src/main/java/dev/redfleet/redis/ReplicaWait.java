package dev.redfleet.redis;

/**
 * Whether durable writes to one master wait for its replicas ({@link Durability}): after a
 * shortfall WAIT is off until {@link #degradedUntil}, and the shortfall and its end are said once
 * each. One per master the process writes to (each {@link Floors}: the namespace's and each
 * shard's), so that one master's lagging replica does not turn WAIT off for the others.
 */
final class ReplicaWait {
  /** A shortfall was said and its end not yet. */
  volatile boolean lagging;
  /** Until then (nanoTime) durable writes go without WAIT. */
  volatile long degradedUntil = Long.MIN_VALUE;
}
