package dev.redfleet.testing;

import io.vertx.redis.client.Response;
import java.time.LocalTime;
import java.util.BitSet;
import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the failover tests (Sentinel, Cluster) read after a master was SIGKILLed and a replica
 * took over: ids without an outcome, the id the fleet continued from, and reads that ride out the
 * connections the promotion drops.
 */
public final class FailoverAudit {
  private static final Pattern CONTINUES = Pattern.compile("first produce after a Redis failure continues from id (\\d+)");

  private FailoverAudit() {}

  /** A read repeated (20 times, 250 ms apart) while the promoted server drops its clients. */
  public static <T> T retried(Callable<T> read) {
    for (int attempt = 1; ; attempt++) {
      try {
        return read.call();
      } catch (Throwable e) {
        if (attempt == 20) {
          throw new AssertionError("Redis read kept failing", e);
        }
        Waits.pause(250);
      }
    }
  }

  /** Ids 1..seq whose audit bit is not set. */
  public static long idsWithoutOutcome(TestRedis redis, long seq) {
    BitSet ids = redis.auditedIds();
    long lost = 0;
    for (int id = 1; id <= seq; id++) {
      if (!ids.get(id)) {
        lost++;
      }
    }
    return lost;
  }

  /** The lowest id a produce continued from after {@code since}, as the nodes logged it; 0 if none. */
  public static long continuedFrom(Collection<FleetProcess> nodes, LocalTime since) {
    long continuedFrom = 0;
    for (FleetProcess node : nodes) {
      for (String line : node.logText().lines().toList()) {
        Matcher m = CONTINUES.matcher(line);
        if (m.find() && !LocalTime.parse(line.substring(0, 12)).isBefore(since)) {
          long from = Long.parseLong(m.group(1));
          continuedFrom = continuedFrom == 0 ? from : Math.min(continuedFrom, from);
        }
      }
    }
    return continuedFrom;
  }

  /** Ids the old master had handed out that the new one handed out again. */
  public static long idsReused(long oldMasterSeq, long continuedFrom) {
    return continuedFrom == 0 ? 0 : Math.max(0, oldMasterSeq - (continuedFrom - 1));
  }
}
