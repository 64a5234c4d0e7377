package dev.redfleet.send;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.RedfleetClient;
import dev.redfleet.api.SendOptions;
import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.List;

/**
 * The implementation behind {@link dev.redfleet.api.Redfleet#client()}: checks and encodes each
 * message on the caller's thread (cheap, and the caller's options cannot change afterwards), then
 * hands it to a {@link SendQueue}, which groups sends into send.lua calls.
 */
final class ClientImpl implements RedfleetClient {
  /** send.lua calls in flight at once: Redis runs one at a time, the others are on the wire. */
  static final int CALLS_IN_FLIGHT = 8;

  private final Sender sender;
  private final SendQueue queue;
  private final Redis redis;
  private final Vertx vertx;
  private final boolean ownVertx;
  private Future<Void> closed;

  ClientImpl(Sender sender, SendQueue queue, Redis redis, Vertx vertx, boolean ownVertx) {
    this.sender = sender;
    this.queue = queue;
    this.redis = redis;
    this.vertx = vertx;
    this.ownVertx = ownVertx;
  }

  @Override
  public Future<Long> send(String body) {
    return send(body, null);
  }

  @Override
  public Future<Long> send(String body, SendOptions options) {
    if (body == null) {
      return Future.failedFuture(new IllegalArgumentException("body is null"));
    }
    return send(new NewMessage(body, options));
  }

  @Override
  public Future<Long> send(NewMessage message) {
    String refused = sender.check(message);
    if (refused != null) {
      return Future.failedFuture(new IllegalArgumentException(refused));
    }
    return queue.submit(List.of(sender.encode(message))).map(ids -> ids.get(0));
  }

  @Override
  public Future<List<Long>> sendAll(List<NewMessage> messages) {
    if (messages == null) {
      return Future.failedFuture(new IllegalArgumentException("messages is null"));
    }
    List<QueueStore.Outgoing> encoded = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      NewMessage message = messages.get(i);
      String refused = sender.check(message);
      if (refused != null) {
        return Future.failedFuture(new IllegalArgumentException("message " + (i + 1) + ": " + refused));
      }
      encoded.add(sender.encode(message));
    }
    return queue.submit(encoded);
  }

  @Override
  public synchronized Future<Void> close() {
    if (closed == null) {
      closed = queue.close()
          .eventually(() -> redis.close())
          .transform(ignored -> ownVertx ? closeVertx(vertx) : Future.<Void>succeededFuture());
    }
    return closed;
  }

  /**
   * Closes a Vert.x instance from a thread of its own: a close started on one of its event loops
   * (where the last answer arrives) hands its completion to a loop that is shutting down.
   */
  static Future<Void> closeVertx(Vertx vertx) {
    Promise<Void> done = Promise.promise();
    Thread closer = new Thread(() -> vertx.close().onComplete(ar -> done.complete()), "redfleet-client-close");
    closer.setDaemon(true);
    closer.start();
    return done.future();
  }
}
