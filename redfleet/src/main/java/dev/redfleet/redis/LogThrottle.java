package dev.redfleet.redis;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs a repeated event (the same Redis call failing again and again) with backoff: the first
 * occurrence in full, then at most one line per window saying how often it happened meanwhile
 * ("... failed 212 more times in the last 60 s"). A node whose ACL lacks a command used to log
 * about 43 lines a second; with this it logs one line, then one a minute.
 *
 * <p>Nothing is printed when the events simply stop: the count of the last window shows up with
 * the next occurrence (or, for {@link Backoff}, in its "reachable again" line).
 *
 * <p>Not thread-safe: one instance per activity, used from one event loop.
 */
public final class LogThrottle {
  /** The summary period. */
  public static final long WINDOW_MS = 60_000;

  private final Logger log;
  private final long windowMs;
  private final LongSupplier clockMs;
  private long lastLineAt;
  private boolean logged;
  private long suppressed;

  public LogThrottle(Logger log) {
    this(log, WINDOW_MS, () -> System.nanoTime() / 1_000_000);
  }

  public LogThrottle(Logger log, long windowMs, LongSupplier clockMs) {
    this.log = log;
    this.windowMs = windowMs;
    this.clockMs = clockMs;
  }

  /**
   * One occurrence. {@code message} is logged at WARN if it is the first, or if the window since
   * the last line has passed (then with the count of the occurrences in between); otherwise only
   * counted. Returns whether a line was written.
   */
  public boolean warn(String message) {
    return occurred(message, true);
  }

  /** Same as {@link #warn} at INFO level, for good news that could repeat as often (a recovery). */
  public boolean info(String message) {
    return occurred(message, false);
  }

  private boolean occurred(String message, boolean warn) {
    long now = clockMs.getAsLong();
    if (logged && now - lastLineAt < windowMs) {
      suppressed++;
      return false;
    }
    String line = suppressed == 0 ? message : message + " (happened " + suppressed + " more time"
        + (suppressed == 1 ? "" : "s") + " in the last " + (now - lastLineAt + 500) / 1000 + " s)";
    if (warn) {
      log.warn(line);
    } else {
      log.info(line);
    }
    logged = true;
    lastLineAt = now;
    suppressed = 0;
    return true;
  }

  /** Occurrences counted but not yet logged. */
  public long suppressed() {
    return suppressed;
  }
}
