package dev.redfleet.api;

/**
 * One message handed to a handler. Read-only; the same message may be handed out again (to this or
 * another node) when the worker that had it died before its outcome was recorded, so key side
 * effects by {@link #id()} when they must happen once.
 */
public interface Message {
  /** The message id: unique in the fleet's namespace, gap-free from 1. */
  long id();

  /**
   * The generator's lease epoch (fencing token) under which the message was produced; 0 for a
   * message sent from outside the fleet.
   */
  long epoch();

  /** Which attempt this is: 1 for the first, higher when a failed message is retried. */
  int attempt();

  /** When the message was produced or became due, in ms on the Redis clock; 0 when not known. */
  long producedAt();

  /** The payload, as produced or sent. */
  String body();

  /**
   * The dedup key it was sent with ({@code send --key}, {@code "key"} of POST /messages,
   * {@link SendOptions#setKey}), or null.
   */
  String key();

  /**
   * The headers it was sent with, unchanged (a W3C {@code traceparent} among them passes through
   * as sent); empty for generated messages. Never null, read-only.
   */
  java.util.Map<String, String> headers();

  /**
   * When it entered the fleet, in ms on the Redis clock: the send (for a delayed message, the send,
   * not the due time) or the produce. {@link #producedAt()} is when it became due.
   */
  long sentAt();
}
