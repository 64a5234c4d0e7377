package dev.redfleet.handler;

import dev.redfleet.api.Handler;
import dev.redfleet.api.Message;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The task's {@code eventHandler}: completes after a uniformly random delay in
 * {@code [0, maxDelayMs)} and fails with probability {@code errorRate}. It waits on a Vert.x timer,
 * never a sleeping thread: one timer per event loop and millisecond, shared by every message due
 * then. A fleet at 100,000 msg/s holds some 50,000 such waits; one timer each spent a worker's CPU
 * on the timer queue (a heap of 50,000, and a map of timer ids) rather than on the messages. With
 * {@code hangRate} > 0 it also never calls back for that share of messages, to exercise the
 * worker's handler timeout. Nodes reach it through
 * {@code handler.SimulatedHandlerFactory} ({@code --handler simulated}, the default): the same path
 * as a user's handler.
 */
public final class SimulatedHandler implements Handler {
  public static final String FAILURE = "handler reported an error";

  private final Vertx vertx;
  private final int maxDelayMs;
  private final double errorRate;
  private final double hangRate;

  public SimulatedHandler(Vertx vertx, int maxDelayMs, double errorRate, double hangRate) {
    this.vertx = vertx;
    this.maxDelayMs = maxDelayMs;
    this.errorRate = errorRate;
    this.hangRate = hangRate;
  }

  @Override
  public Future<Void> handle(Message message) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (hangRate > 0 && random.nextDouble() < hangRate) {
      return Promise.<Void>promise().future();
    }
    long delay = maxDelayMs > 0 ? random.nextInt(maxDelayMs) : 0;
    boolean error = random.nextDouble() < errorRate;
    if (delay == 0) {
      // setTimeout(f, 0) has nothing to wait for: the outcome is known now
      return error ? Future.failedFuture(FAILURE) : Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    if (!Context.isOnEventLoopThread()) {
      // not called on an event loop (a test, an embedding's own thread): a timer of its own
      vertx.setTimer(delay, id -> settle(done, error));
      return done.future();
    }
    // the timer of the bucket fires on the event loop that set it: this one, whose map it is
    Map<Long, Due> buckets = DUE.get();
    long at = System.nanoTime() / 1_000_000 + delay;
    Due due = buckets.get(at);
    if (due == null) {
      Due fresh = new Due();
      due = fresh;
      buckets.put(at, fresh);
      vertx.setTimer(delay, id -> {
        buckets.remove(at);
        fresh.settle();
      });
    }
    due.add(done, error);
    return done.future();
  }

  private static void settle(Promise<Void> done, boolean error) {
    if (error) {
      done.fail(FAILURE);
    } else {
      done.complete();
    }
  }

  /** Waits due in one millisecond, per event-loop thread (every handler instance on it shares them). */
  private static final ThreadLocal<Map<Long, Due>> DUE = ThreadLocal.withInitial(HashMap::new);

  /** The messages due in one millisecond, by the outcome each drew. */
  private static final class Due {
    private final List<Promise<Void>> succeeding = new ArrayList<>();
    private final List<Promise<Void>> failing = new ArrayList<>();

    void add(Promise<Void> done, boolean error) {
      (error ? failing : succeeding).add(done);
    }

    void settle() {
      succeeding.forEach(Promise::complete);
      failing.forEach(done -> done.fail(FAILURE));
    }
  }
}
