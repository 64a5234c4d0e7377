package dev.redfleet.handler;

import dev.redfleet.api.Handler;
import dev.redfleet.api.Message;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The task's {@code eventHandler}: completes after a uniformly random delay in
 * {@code [0, maxDelayMs)} and fails with probability {@code errorRate}. It waits on a Vert.x timer,
 * never a sleeping thread. With {@code hangRate} > 0 it also never calls back for that share of
 * messages, to exercise the worker's handler timeout. Nodes reach it through
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
    vertx.setTimer(delay, id -> {
      if (error) {
        done.fail(FAILURE);
      } else {
        done.complete();
      }
    });
    return done.future();
  }
}
