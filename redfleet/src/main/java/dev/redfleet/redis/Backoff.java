package dev.redfleet.redis;

import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;

/**
 * Retry pacing and logging for one activity that talks to Redis: delays grow from {@code first}
 * to {@code max} while Redis keeps failing, and an outage is logged once when it starts and once
 * when it ends, not on every retry. Both lines go through a {@link LogThrottle}: a call that fails
 * again and again, even with successes in between (an ACL that refuses one command), writes one
 * line, then one summary per minute, never a line per attempt; while Redis does not answer at all,
 * {@link UnreachableLog} also says "Redis still unreachable after N s" for the whole process every
 * 30 s. A permanent refusal (credentials,
 * ACL, TLS) is also handed to {@link RedisFailures#onPermanent}, which in {@code run} ends the process.
 */
public final class Backoff {
  private final Logger log;
  private final String activity;
  private final long first;
  private final long max;
  private final LogThrottle failureLog;
  private final LogThrottle recoveryLog;
  private final UnreachableLog outages;
  private long next;
  private long failures;

  public Backoff(Logger log, String activity, long first, long max) {
    this.log = log;
    this.activity = activity;
    this.first = first;
    this.max = max;
    this.next = first;
    this.failureLog = new LogThrottle(log);
    this.recoveryLog = new LogThrottle(log);
    this.outages = UnreachableLog.process();
  }

  /** Records a failure and returns how long to wait before trying again (ms, at least 1). */
  public long failed(Throwable cause) {
    var permanent = RedisFailures.permanent(cause);
    permanent.ifPresent(RedisFailures::report);
    failures++;
    if (permanent.isEmpty() && RedisFailures.errorReply(cause) == null) {
      // Redis did not answer: while it stays so, the process says so every UnreachableLog.EVERY_MS
      outages.failed(this, activity, oneLine(cause));
    }
    // every failure goes through the throttle: the first is logged, the rest summed up once a minute
    if (!failureLog.warn(activity + ": Redis call failed (" + oneLine(cause) + "); retrying with backoff")) {
      log.debug("{}: still failing ({})", activity, oneLine(cause));
    }
    long delay = next;
    next = Math.min(max, next * 2);
    // jitter spreads the reconnect attempts of a whole fleet after a Redis restart
    return Math.max(1, delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
  }

  public void succeeded() {
    if (failures > 0) {
      outages.succeeded(this);
      recoveryLog.info(activity + ": Redis reachable again after " + failures + " failed attempt(s)");
      failures = 0;
      next = first;
    }
  }

  /**
   * The first line of a failure's message, for a log line or an error a user reads. Netty's
   * connection failures often carry no message at all (a closed channel); those are named in
   * words rather than by their Java class, which means nothing to an operator.
   */
  public static String oneLine(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage();
      if (m != null && !m.isBlank()) {
        return m.lines().findFirst().orElse(m);
      }
    }
    return describe(t);
  }

  private static String describe(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String words = describeOne(c);
      if (words != null) {
        return words;
      }
    }
    return "unexpected failure (" + failure.getClass().getSimpleName() + ")";
  }

  private static String describeOne(Throwable t) {
    if (t instanceof java.nio.channels.ClosedChannelException) {
      return "connection closed";
    }
    if (t instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (t instanceof java.util.concurrent.TimeoutException) {
      return "timed out";
    }
    if (t instanceof java.io.IOException) {
      return "connection error";
    }
    return null;
  }
}
