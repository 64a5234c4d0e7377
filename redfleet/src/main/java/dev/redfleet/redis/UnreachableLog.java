package dev.redfleet.redis;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, for the whole process, that Redis is still unreachable: each {@link Backoff} logs the
 * start of an outage once (and a summary a minute, through its {@link LogThrottle}), and this adds
 * one WARN line every {@link #EVERY_MS} while any activity keeps failing to reach Redis, "Redis
 * still unreachable after 90 s (...)", so a node started without Redis, or one that lost it, does
 * not fall silent. One line per process, not per activity: a node has a dozen activities retrying.
 *
 * <p>Failures that are answers (an error reply, a refusal for good) are not an outage and are not
 * counted. Thread-safe; called only on failures and on the first success after them.
 */
public final class UnreachableLog {
  /**
   * How often the line is repeated while Redis stays unreachable, in ms: 30 s, or the system
   * property {@code redfleet.unreachableLogMs} (at least 100).
   */
  public static final long EVERY_MS = Math.max(100, Long.getLong("redfleet.unreachableLogMs", 30_000L));
  /** An activity that has not failed for this long has stopped (or stopped retrying): it no longer counts. */
  private static final long FORGET_MS = 60_000;

  private static final UnreachableLog PROCESS =
      new UnreachableLog(LoggerFactory.getLogger(UnreachableLog.class), EVERY_MS, () -> System.nanoTime() / 1_000_000);

  /** When each activity's outage began and when it last failed. */
  private record Failing(String activity, long sinceMs, long lastMs, String reason) {}

  private final Logger log;
  private final long everyMs;
  private final LongSupplier clockMs;
  private final Map<Object, Failing> failing = new IdentityHashMap<>();
  private long lastLineMs = Long.MIN_VALUE;

  UnreachableLog(Logger log, long everyMs, LongSupplier clockMs) {
    this.log = log;
    this.everyMs = everyMs;
    this.clockMs = clockMs;
  }

  static UnreachableLog process() {
    return PROCESS;
  }

  /** {@code owner} (one activity) failed to reach Redis; returns whether a line was written. */
  synchronized boolean failed(Object owner, String activity, String reason) {
    long now = clockMs.getAsLong();
    Failing before = failing.get(owner);
    long since = before == null || now - before.lastMs() > FORGET_MS ? now : before.sinceMs();
    failing.put(owner, new Failing(activity, since, now, reason));
    failing.values().removeIf(f -> now - f.lastMs() > FORGET_MS);
    long outageSince = failing.values().stream().mapToLong(Failing::sinceMs).min().orElse(now);
    if (now - outageSince < everyMs || (lastLineMs != Long.MIN_VALUE && now - lastLineMs < everyMs)) {
      return false;
    }
    lastLineMs = now;
    TreeSet<String> activities = new TreeSet<>();
    failing.values().forEach(f -> activities.add(f.activity()));
    log.warn("Redis still unreachable after {} s ({}); still retrying: {}", (now - outageSince) / 1000, reason,
        String.join(", ", activities));
    return true;
  }

  /** {@code owner} reached Redis again. */
  synchronized void succeeded(Object owner) {
    failing.remove(owner);
    if (failing.isEmpty()) {
      lastLineMs = Long.MIN_VALUE;
    }
  }
}
