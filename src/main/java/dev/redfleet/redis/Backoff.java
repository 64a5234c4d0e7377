package dev.redfleet.redis;

import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;

/**
 * Retry pacing and logging for one activity that talks to Redis: delays grow from {@code first}
 * to {@code max} while Redis keeps failing, and an outage is logged once when it starts and once
 * when it ends, not on every retry.
 */
public final class Backoff {
  private final Logger log;
  private final String activity;
  private final long first;
  private final long max;
  private long next;
  private long failures;

  public Backoff(Logger log, String activity, long first, long max) {
    this.log = log;
    this.activity = activity;
    this.first = first;
    this.max = max;
    this.next = first;
  }

  /** Records a failure and returns how long to wait before trying again (ms, at least 1). */
  public long failed(Throwable cause) {
    failures++;
    if (failures == 1) {
      log.warn("{}: Redis call failed ({}); retrying with backoff", activity, oneLine(cause));
    } else {
      log.debug("{}: still failing ({})", activity, oneLine(cause));
    }
    long delay = next;
    next = Math.min(max, next * 2);
    // jitter spreads the reconnect attempts of a whole fleet after a Redis restart
    return Math.max(1, delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
  }

  public void succeeded() {
    if (failures > 0) {
      log.info("{}: Redis reachable again after {} failed attempt(s)", activity, failures);
      failures = 0;
      next = first;
    }
  }

  public boolean failing() {
    return failures > 0;
  }

  public static String oneLine(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    }
    return m.lines().findFirst().orElse(m);
  }
}
