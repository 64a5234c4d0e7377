package dev.redfleet.redis;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.BitSet;

/**
 * Reads the audit segment by segment ({@link Keys#auditSegment}): for the checks that run once
 * (the bench's final audit, tests), which may cost O(history). A running fleet reads only the
 * counter {@code total} of {@link Keys#auditCounts()} (status.lua). A complete segment whose bitmap
 * was deleted by the retention counts as every id in it recorded.
 */
public final class AuditReader {
  private AuditReader() {}

  /** A blocking call (not for an event loop: the bench's main thread, tests). */
  @FunctionalInterface
  public interface Call {
    Response send(Request request) throws Exception;
  }

  /** Ids segment {@code n} holds: segment 0 has no id 0. */
  public static long segmentSize(long segment) {
    return segment == 0 ? Keys.AUDIT_SEGMENT_IDS - 1 : Keys.AUDIT_SEGMENT_IDS;
  }

  /** How many ids in 1..{@code maxId} have a recorded outcome: a BITCOUNT per segment. */
  public static long count(Call redis, Keys keys, long maxId) throws Exception {
    long total = 0;
    for (long n = 0; n <= Keys.auditSegmentOf(Math.max(0, maxId)); n++) {
      if (pruned(redis, keys, n)) {
        total += segmentSize(n);
      } else {
        total += redis.send(Request.cmd(Command.BITCOUNT).arg(keys.auditSegment(n))).toLong();
      }
    }
    return total;
  }

  /**
   * The ids (below 2^31, as a BitSet index) in 1..{@code maxId} that have a recorded outcome,
   * read with one GET per segment.
   */
  public static BitSet ids(Call redis, Keys keys, long maxId) throws Exception {
    BitSet ids = new BitSet();
    for (long n = 0; n <= Keys.auditSegmentOf(Math.max(0, maxId)); n++) {
      int base = Math.toIntExact(n * Keys.AUDIT_SEGMENT_IDS);
      if (pruned(redis, keys, n)) {
        ids.set(Math.max(1, base), base + (int) Keys.AUDIT_SEGMENT_IDS);
        continue;
      }
      Response bitmap = redis.send(Request.cmd(Command.GET).arg(keys.auditSegment(n)));
      BitSet raw = BitSet.valueOf(bitmap == null ? new byte[0] : bitmap.toBytes());
      for (int bit = raw.nextSetBit(0); bit >= 0; bit = raw.nextSetBit(bit + 1)) {
        // Redis numbers the bits of a byte from the most significant one
        ids.set(base + (bit / 8) * 8 + (7 - bit % 8));
      }
    }
    return ids;
  }

  /** Whether segment {@code n} is complete and its bitmap gone (the retention deleted it). */
  private static boolean pruned(Call redis, Keys keys, long n) throws Exception {
    Response count = redis.send(Request.cmd(Command.HGET).arg(keys.auditCounts()).arg(String.valueOf(n)));
    if (count == null || count.toLong() < segmentSize(n)) {
      return false;
    }
    return redis.send(Request.cmd(Command.EXISTS).arg(keys.auditSegment(n))).toLong() == 0;
  }
}
