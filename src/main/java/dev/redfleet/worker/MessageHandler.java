package dev.redfleet.worker;

import io.vertx.core.Future;

/**
 * The work done on each message. It runs on the worker's event loop and must not block: return a
 * future that completes when the work is done. A failed future records the message in the errors
 * list with the failure's message as the reason.
 *
 * <p>A message whose worker died before finishing is handed to another worker, so a handler may
 * see the same message twice; its <em>outcome</em> is recorded once. Make side effects idempotent
 * (keyed by {@link Message#id()}) if that matters.
 */
@FunctionalInterface
public interface MessageHandler {
  Future<Void> handle(Message message);
}
