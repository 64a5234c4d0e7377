package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;

/**
 * An estimate of the Redis server's clock in this process, so that times taken here (a handler's
 * start) and times taken in Redis (a message's produce time, {@code ts}) can be subtracted.
 *
 * <p>Every {@link #SAMPLE_MS} one TIME call: sent at local t0, answered at t1 with the server time
 * T; the server read T somewhere between t0 and t1, so {@code T - (t0 + t1) / 2} is the offset with
 * an error of at most {@code (t1 - t0) / 2}. The local clock is {@link System#nanoTime()}
 * (monotonic); the server's is the wall clock, which NTP may slew by up to 500 ppm, so a sample's
 * bound grows by 0.5 ms per second of age. Of the last {@link #WINDOW} samples the one with the
 * smallest bound is used, and that bound is published as {@link #errorMicros()}.
 */
public final class RedisClock extends VerticleBase {
  static final long SAMPLE_MS = 250;
  static final int WINDOW = 8;
  /** Most the server's wall clock may be slewed against the monotonic clock (Linux adjtime: 500 ppm). */
  static final double SLEW = 500e-6;
  static final long FIRST_SAMPLE_WAIT_MS = 2000;

  private final Redis redis;
  private final long[] offsets = new long[WINDOW];
  private final long[] errors = new long[WINDOW];
  private final long[] takenAt = new long[WINDOW];
  private int next;
  private long timer = -1;
  private volatile long offsetNanos;
  private volatile long errorNanos = -1;
  private Promise<Void> firstSample;

  public RedisClock(Redis redis) {
    this.redis = redis;
    java.util.Arrays.fill(errors, Long.MAX_VALUE);
  }

  /**
   * Completes after the first sample, so that messages taken after a node's start are measured from
   * the first one on; or after {@link #FIRST_SAMPLE_WAIT_MS} when Redis does not answer (a node
   * started while Redis is down must not wait for the clock).
   */
  @Override
  public Future<?> start() {
    firstSample = Promise.promise();
    timer = vertx.setPeriodic(0, SAMPLE_MS, id -> sample());
    vertx.setTimer(FIRST_SAMPLE_WAIT_MS, id -> firstSample.tryComplete());
    return firstSample.future();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Whether at least one sample was taken. */
  public boolean synced() {
    return errorNanos >= 0;
  }

  /** Now, on the Redis clock, in microseconds since the epoch (meaningless until {@link #synced()}). */
  public long nowMicros() {
    return (System.nanoTime() + offsetNanos) / 1000;
  }

  /** Now, on the Redis clock, in milliseconds since the epoch (meaningless until {@link #synced()}). */
  public long nowMs() {
    return nowMicros() / 1000;
  }

  /** The error bound of {@link #nowMicros()}: half the round trip of the sample in use, -1 before the first. */
  public long errorMicros() {
    return errorNanos < 0 ? -1 : errorNanos / 1000;
  }

  private void sample() {
    long t0 = System.nanoTime();
    redis.send(Request.cmd(Command.TIME)).timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).onSuccess(r -> {
      long t1 = System.nanoTime();
      long serverNanos = r.get(0).toLong() * 1_000_000_000L + r.get(1).toLong() * 1000L;
      offsets[next] = serverNanos - (t0 + (t1 - t0) / 2);
      errors[next] = (t1 - t0) / 2;
      takenAt[next] = t1;
      next = (next + 1) % WINDOW;
      int best = -1;
      long bestBound = Long.MAX_VALUE;
      for (int i = 0; i < WINDOW; i++) {
        if (errors[i] != Long.MAX_VALUE) {
          long bound = errors[i] + (long) ((t1 - takenAt[i]) * SLEW);
          if (bound < bestBound) {
            best = i;
            bestBound = bound;
          }
        }
      }
      offsetNanos = offsets[best];
      errorNanos = bestBound;
      firstSample.tryComplete();
    });
  }
}
