package dev.redfleet.worker;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerFailure;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.LogThrottle;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the handler on a worker's claimed messages and turns every delivery into exactly one
 * outcome: the handler's answer, a failure it threw, {@code malformed}, or {@code timeout} once it
 * has run {@code handlerTimeoutMs}. Answers may come on any thread; they are taken on the worker
 * verticle's context, which owns this object.
 */
final class HandlerRuns {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);
  private static final int MAX_REASON_LENGTH = 200;

  /** Where each delivery's one outcome goes: (id, claim token, outcome), outcome "" = success. */
  interface Outcomes {
    void completed(String id, String token, String outcome);
  }

  private final Handler handler;
  private final WorkerActivity activity;
  private final NodeMetrics metrics;
  private final PickupLatency latency;
  private final long handlerTimeoutMs;
  private final Outcomes outcomes;
  /** Fatal VM errors thrown by handlers: the first logged, then one line a minute with the count. */
  private final LogThrottle fatalThrottle = new LogThrottle(log);
  /** Messages whose handler is running: id -> its delivery, oldest first. */
  private final LinkedHashMap<String, Delivery> running = new LinkedHashMap<>();
  private Context context;

  HandlerRuns(Handler handler, WorkerActivity activity, NodeMetrics metrics, PickupLatency latency,
      long handlerTimeoutMs, Outcomes outcomes) {
    this.handler = handler;
    this.activity = activity;
    this.metrics = metrics;
    this.latency = latency;
    this.handlerTimeoutMs = handlerTimeoutMs;
    this.outcomes = outcomes;
  }

  /** The context answers are taken on: the owning verticle's. */
  void bind(Context context) {
    this.context = context;
  }

  /** Handlers running now. */
  int size() {
    return running.size();
  }

  boolean isEmpty() {
    return running.isEmpty();
  }

  /**
   * One delivery of a message to this worker: the token of the claim that took it (finish acts only
   * on the in-flight entry held under that token) and when its handler started. Compared by
   * identity: an answer counts only while its own delivery is the one running.
   */
  private static final class Delivery {
    final String token;
    final long started;

    Delivery(String token, long started) {
      this.token = token;
      this.started = started;
    }
  }

  /**
   * Starts the handler on one claimed message. Whatever the handler (or the parse) throws, an
   * {@code OutOfMemoryError} included, this message gets an outcome and the caller's loop goes on to
   * the rest of the claim: a fatal error that escaped here used to leave the rest of the claimed
   * batch in the in-flight hash of a worker that stayed healthy, so nothing ever requeued it.
   */
  void handle(String id, String token, String raw, long pickedUpAt) {
    activity.started();
    Message message;
    Delivery delivery = null;
    Future<Void> result = null;
    try {
      message = Message.parse(id, raw);
      if (message != null) {
        // this delivery's own entry: an answer only counts while it is still there (not yet timed
        // out, not replaced by a later delivery of the same id), so every delivery is answered once
        delivery = new Delivery(token, System.nanoTime());
        // a later delivery of an id still running here (the node was taken for dead, the message
        // came back): the earlier one is abandoned, and the new one must go to the end of the
        // insertion order, where the timeout sweep expects the newest (a put on a present key
        // keeps its old place, and the sweep stopped there, holding back older expired entries)
        Delivery earlier = running.remove(id);
        if (earlier != null) {
          metrics.handlerEnded(earlier.started);
        }
        running.put(id, delivery);
        metrics.handlerStarted(message.producedAt(), pickedUpAt);
        latency.handlerStarted(message.producedAt());
        result = handler.handle(message);
      }
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError) {
        fatalThrottle.warn("a handler threw " + e + " on message " + id + "; recorded as that message's failure, "
            + "the other messages go on");
      }
      if (delivery == null) {
        completed(id, token, reason(e));
      } else {
        answered(id, delivery, reason(e));
      }
      return;
    }
    if (message == null) {
      completed(id, token, "malformed");
      return;
    }
    if (result == null) {
      answered(id, delivery, "handler returned no future");
      return;
    }
    if (result.isComplete()) {
      // answered at once (a zero-delay handler): we are on this verticle's context already
      answered(id, delivery, result.succeeded() ? "" : reason(result.cause()));
      return;
    }
    Delivery answering = delivery;
    result.onComplete(ar -> answeredOnContext(id, answering, ar));
  }

  /**
   * A handler's future may be completed on any thread: on a pool of the handler's own (a
   * CompletableFuture turned into a Future without a context, as an HttpClient.sendAsync user
   * writes it), the callback runs on that thread. The worker's state (running, outcomes, finish
   * calls and timers) belongs to the verticle's context, so the answer hops back to it unless it
   * is there already.
   */
  private void answeredOnContext(String id, Delivery delivery, AsyncResult<Void> ar) {
    if (Vertx.currentContext() == context) {
      answered(id, delivery, ar.succeeded() ? "" : reason(ar.cause()));
    } else {
      context.runOnContext(v -> answered(id, delivery, ar.succeeded() ? "" : reason(ar.cause())));
    }
  }

  private void answered(String id, Delivery delivery, String outcome) {
    if (running.remove(id, delivery)) {
      metrics.handlerEnded(delivery.started);
      completed(id, delivery.token, outcome);
    }
  }

  private void completed(String id, String token, String outcome) {
    activity.completed(outcome.isEmpty());
    outcomes.completed(id, token, outcome);
  }

  /**
   * Fails the handlers that have run longer than handlerTimeoutMs. One periodic sweep instead of a
   * timer per message: all messages get the same timeout, so the oldest entries of the
   * insertion-ordered map are the first to expire.
   */
  void sweepTimeouts() {
    long now = System.nanoTime();
    long limit = TimeUnit.MILLISECONDS.toNanos(handlerTimeoutMs);
    Iterator<Map.Entry<String, Delivery>> oldest = running.entrySet().iterator();
    List<Map.Entry<String, Delivery>> expired = new ArrayList<>();
    while (oldest.hasNext()) {
      Map.Entry<String, Delivery> entry = oldest.next();
      if (now - entry.getValue().started < limit) {
        break;
      }
      oldest.remove();
      metrics.handlerEnded(entry.getValue().started);
      expired.add(entry);
    }
    for (Map.Entry<String, Delivery> entry : expired) {
      completed(entry.getKey(), entry.getValue().token, "timeout");
    }
  }

  /**
   * The errors-list reason of a failed answer: a reason given on purpose (a {@link HandlerFailure},
   * or Vert.x's {@code failedFuture(String)}, whose class is {@code NoStackTraceThrowable}) as it
   * is; any other exception as {@code exception: <class>: <message>}.
   */
  static String reason(Throwable failure) {
    String message = failure.getMessage();
    boolean given = failure instanceof HandlerFailure
        || failure.getClass().getName().equals("io.vertx.core.impl.NoStackTraceThrowable");
    String text;
    if (given && message != null && !message.isBlank()) {
      text = message;
    } else {
      text = "exception: " + failure.getClass().getName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
    text = text.replaceAll("\\s+", " ").trim();
    if (text.equals("malformed")) {
      // that word is reserved for entries that are not messages at all
      text = "handler: malformed";
    }
    return text.length() > MAX_REASON_LENGTH ? text.substring(0, MAX_REASON_LENGTH) : text;
  }
}
