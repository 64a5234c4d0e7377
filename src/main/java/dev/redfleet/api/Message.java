package dev.redfleet.api;

/**
 * One message handed to a handler. Read-only; the same message may be handed out again (to this or
 * another node) when the worker that had it died before its outcome was recorded, so key side
 * effects by {@link #id()} when they must happen once.
 */
public interface Message {
  /** The message id: unique in the fleet's namespace, gap-free from 1. */
  long id();

  /** The generator's lease epoch (fencing token) under which the message was produced. */
  long epoch();

  /** Which attempt this is: 1 for the first, higher when a failed message is retried. */
  int attempt();

  /** When the message was produced, in ms on the Redis clock; 0 when not known. */
  long producedAt();

  /** The payload, as produced. */
  String body();
}
