package dev.redfleet.worker;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerFailure;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.LogThrottle;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
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

  /**
   * Where each delivery's one outcome goes: the delivery (claim token and index in that claim), the
   * message's attempt and the outcome, "" = success.
   */
  interface Outcomes {
    void completed(String token, int index, int attempt, String outcome);
  }

  private final Handler handler;
  private final WorkerActivity activity;
  private final NodeMetrics metrics;
  private final PickupLatency latency;
  private final long handlerTimeoutMs;
  private final Outcomes outcomes;
  /** Fatal VM errors thrown by handlers: the first logged, then one line a minute with the count. */
  private final LogThrottle fatalThrottle = new LogThrottle(log);
  /**
   * Deliveries in the order their handlers started, oldest first: those running, and answered ones
   * not yet dropped (an answered delivery has {@code running} false; the sweep and
   * {@link #dropAnswered} skip it). A flag on the delivery itself, not a hash set: with tens of
   * thousands of handlers running, a set's add and remove per message were some 14 % of a
   * worker's sampled CPU. Each delivery is its own entry, not its message id: two deliveries of one id may run at once
   * (the node was taken for dead and the message came back, or a forged copy was queued), and each
   * must get its own outcome.
   */
  private final ArrayDeque<Delivery> started = new ArrayDeque<>();
  /** Deliveries in {@link #started} whose handler is still running. */
  private int running;
  private final HandlerPace pace = new HandlerPace();
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
    return running;
  }

  boolean isEmpty() {
    return running == 0;
  }

  /** Deliveries kept in start order, answered ones not yet dropped included (for tests). */
  int tracked() {
    return started.size();
  }

  /** Whether the handler answers quickly, on average (see {@link HandlerPace}). */
  boolean quick() {
    return pace.quick();
  }

  /** Whether the handler is slow, on average (see {@link HandlerPace#slow}). */
  boolean slow() {
    return pace.slow();
  }

  /**
   * One delivery of a message to this worker: the token of the claim that took it and its index in
   * that claim (finish acts only on that very delivery), the message's attempt, and when its handler
   * started. Compared by identity: an answer counts only while its delivery is still running.
   */
  private static final class Delivery {
    final String token;
    final int index;
    final int attempt;
    final long started;
    /** Until it is answered or times out: an answer counts only while this is true. */
    boolean running = true;

    Delivery(String token, int index, int attempt, long started) {
      this.token = token;
      this.index = index;
      this.attempt = attempt;
      this.started = started;
    }
  }

  /**
   * Starts the handler on one claimed message, the entry's bytes as Redis sent them. Whatever the
   * handler (or the parse) throws, an {@code OutOfMemoryError} included, this message gets an
   * outcome and the caller's loop goes on to the rest of the claim: a fatal error that escaped here
   * used to leave the rest of the claimed batch in the in-flight hash of a worker that stayed
   * healthy, so nothing ever requeued it.
   *
   * @param toGlobal the fleet-wide id the handler sees for the entry's own id (a shard's message:
   *     docs/DESIGN.md, "Shards"); null when the entry's id is the fleet-wide one (one shard)
   */
  void handle(byte[] raw, LongUnaryOperator toGlobal, String token, int index, long pickedUpAt) {
    activity.started();
    Message message = null;
    Delivery delivery = null;
    Future<Void> result = null;
    try {
      message = Message.parse(raw);
      if (message != null && toGlobal != null) {
        message = message.withId(toGlobal.applyAsLong(message.id()));
      }
      if (message != null) {
        // this delivery's own entry: an answer only counts while it is still there (not yet timed
        // out), so every delivery is answered once. It goes to the end of the insertion order,
        // where the timeout sweep expects the newest
        delivery = new Delivery(token, index, message.attempt(), System.nanoTime());
        // counted before it is added: if the add throws (out of memory), the answer below still
        // takes back exactly what was counted
        running++;
        started.addLast(delivery);
        metrics.handlerStarted(message.producedAt(), pickedUpAt);
        latency.handlerStarted(message.producedAt());
        result = handler.handle(message);
      }
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError) {
        fatalThrottle.warn("a handler threw " + e + " on message " + (message == null ? "?" : message.id())
            + "; recorded as that message's failure, "
            + "the other messages go on");
      }
      if (message == null && !(e instanceof VirtualMachineError)) {
        // the parser itself threw (it should not): the entry is not a message it could read. Not
        // for a JVM out of memory: that is the JVM's failure, recorded as one, the entry intact
        completed(token, index, 1, "malformed");
      } else if (delivery == null) {
        completed(token, index, 1, reason(e));
      } else {
        answered(delivery, reason(e));
      }
      return;
    }
    if (message == null) {
      completed(token, index, 1, "malformed");
      return;
    }
    if (result == null) {
      answered(delivery, "handler returned no future");
      return;
    }
    if (result.isComplete()) {
      // answered at once (a zero-delay handler): we are on this verticle's context already
      answered(delivery, result.succeeded() ? "" : reason(result.cause()));
      return;
    }
    Delivery answering = delivery;
    result.onComplete(ar -> answeredOnContext(answering, ar));
  }

  /**
   * A handler's future may be completed on any thread: on a pool of the handler's own (a
   * CompletableFuture turned into a Future without a context, as an HttpClient.sendAsync user
   * writes it), the callback runs on that thread. The worker's state (running, outcomes, finish
   * calls and timers) belongs to the verticle's context, so the answer hops back to it unless it
   * is there already.
   */
  private void answeredOnContext(Delivery delivery, AsyncResult<Void> ar) {
    if (Vertx.currentContext() == context) {
      answered(delivery, ar.succeeded() ? "" : reason(ar.cause()));
    } else {
      context.runOnContext(v -> answered(delivery, ar.succeeded() ? "" : reason(ar.cause())));
    }
  }

  private void answered(Delivery delivery, String outcome) {
    if (delivery.running) {
      end(delivery, System.nanoTime() - delivery.started);
      dropAnswered();
      completed(delivery.token, delivery.index, delivery.attempt, outcome);
    }
  }

  private void completed(String token, int index, int attempt, String outcome) {
    activity.completed(outcome.isEmpty());
    outcomes.completed(token, index, attempt, outcome);
  }

  /**
   * Fails the handlers that have run longer than handlerTimeoutMs. One periodic sweep instead of a
   * timer per message: all messages get the same timeout, so the oldest entries of the
   * start order are the first to expire.
   */
  void sweepTimeouts() {
    long now = System.nanoTime();
    long limit = TimeUnit.MILLISECONDS.toNanos(handlerTimeoutMs);
    List<Delivery> expired = new ArrayList<>();
    for (Delivery oldest = started.peekFirst(); oldest != null; oldest = started.peekFirst()) {
      if (oldest.running && now - oldest.started < limit) {
        break;
      }
      started.pollFirst();
      if (oldest.running) {
        end(oldest, now - oldest.started);
        expired.add(oldest);
      }
    }
    for (Delivery delivery : expired) {
      completed(delivery.token, delivery.index, delivery.attempt, "timeout");
    }
  }

  /** A running delivery answered or timed out after {@code tookNanos}: no longer running, and counted. */
  private void end(Delivery delivery, long tookNanos) {
    delivery.running = false;
    running--;
    pace.took(tookNanos);
    metrics.handlerEnded(tookNanos);
  }

  /**
   * Drops answered deliveries from the front of {@link #started} and, when one long handler holds
   * the front, compacts the rest once answered ones are more than three in four: memory stays
   * within four times the handlers running (plus 4,096) from one answer to the next (a sweep that
   * times out many leaves the rest until then), each delivery dropped in O(1) amortized.
   */
  private void dropAnswered() {
    while (!started.isEmpty() && !started.peekFirst().running) {
      started.pollFirst();
    }
    if (started.size() > 4 * running + 4096) {
      started.removeIf(d -> !d.running);
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
    text = oneLine(text);
    if (text.equals("malformed")) {
      // that word is reserved for entries that are not messages at all
      text = "handler: malformed";
    }
    return text.length() > MAX_REASON_LENGTH ? text.substring(0, MAX_REASON_LENGTH) : text;
  }

  /**
   * Runs of whitespace ({@code \\s}: space, tab, line breaks, vertical tab, form feed) as one space,
   * none at either end. Most reasons have nothing to change: they are returned as they are, without
   * a regular expression (a failed message pays for this).
   */
  static String oneLine(String text) {
    // trim() drops every char up to ' ' at either end, not only whitespace
    boolean plain = !text.isEmpty() && text.charAt(0) > ' ' && text.charAt(text.length() - 1) > ' ';
    for (int i = 0; plain && i < text.length(); i++) {
      char c = text.charAt(i);
      plain = !(c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r' || (c == ' ' && text.charAt(i - 1) == ' '));
    }
    return plain ? text : text.replaceAll("\\s+", " ").trim();
  }
}
