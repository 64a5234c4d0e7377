package dev.redfleet.worker;

import dev.redfleet.redis.store.DeliveryStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Which shard of a sharded namespace a worker verticle serves (docs/DESIGN.md, "Shards"): a
 * blocking pop cannot span slots, so a verticle serves one shard at a time. It moves when its shard
 * stays empty for a block timeout ({@link #afterTimeout}), when a claim there comes back empty
 * while others have messages ({@link #afterEmptyClaim}), and when it has served one shard for
 * {@link #dwellMs} ({@link #dwelt}, then {@link #afterDwell}): a shard that always has messages
 * cannot keep it while another fills. Each move reads every shard's queue length (rate-limited) and
 * draws a shard in proportion to its length ({@link #pick}). With one shard nothing moves.
 *
 * <p>Used on the verticle's event loop only.
 */
final class ShardChoice {
  /** How often a verticle whose shard came back empty may read the shards' queue lengths. */
  static final long LOOK_ELSEWHERE_MS = 100;

  private final DeliveryStore[] stores;
  private final long blockMs;
  private int shard;
  /** When this verticle began serving {@link #shard} (nanoTime). */
  private long since = System.nanoTime();
  /** Reads of the lengths after a block timeout or a dwell: at most once a blockMs. */
  private final Every afterWait;
  /** Reads of the lengths after an empty claim: at most once a {@link #LOOK_ELSEWHERE_MS}. */
  private final Every afterEmpty = new Every(LOOK_ELSEWHERE_MS);

  /**
   * @param stores one per shard, indexed by shard
   * @param first the shard served first (mod the count)
   * @param blockMs the worker's block timeout
   */
  ShardChoice(DeliveryStore[] stores, int first, long blockMs) {
    this.stores = stores;
    this.blockMs = blockMs;
    this.shard = Math.floorMod(first, stores.length);
    this.afterWait = new Every(blockMs);
  }

  /** The shard served now (always 0 with one shard). */
  int current() {
    return shard;
  }

  boolean sharded() {
    return stores.length > 1;
  }

  /**
   * The served shard has been served for {@link #dwellMs}: the next claim waits until the queues
   * were compared. Checked on both ways a claim goes out, alone and riding on a finish: under
   * steady load every claim rides, and a check on one way only never ran.
   */
  boolean dwelt() {
    return sharded() && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(dwellMs());
  }

  /** How long a verticle serves one shard before it compares the queues again. */
  long dwellMs() {
    return Math.max(1000, blockMs);
  }

  /** After a dwell: a shard with messages waiting, else the same one. Completes once it is served. */
  Future<Void> afterDwell() {
    return moveTo(afterWait, shard);
  }

  /**
   * Shard {@code from} stayed empty for a whole block timeout: a shard with messages waiting if the
   * lengths may be read again and one is not empty; else the next shard. Either way a verticle
   * visits every shard while the queues are empty, so none is left unserved by a node with fewer
   * verticles than shards.
   */
  Future<Void> afterTimeout(int from) {
    return moveTo(afterWait, (from + 1) % stores.length);
  }

  /**
   * A claim on {@code empty} took nothing: rather than block there while other shards have messages
   * waiting, serve one of those. Completes with true when it serves another shard; false (block on
   * {@code empty}) when every queue is empty or the lengths were read just now.
   */
  Future<Boolean> afterEmptyClaim(int empty) {
    if (!afterEmpty.due()) {
      return Future.succeededFuture(false);
    }
    return queueLengths().map(lengths -> {
      int next = pick(lengths, empty);
      if (next == empty) {
        return false;
      }
      serve(next);
      return true;
    });
  }

  /** Reads the lengths if {@code every} allows and serves {@link #pick}'s shard, else {@code fallback}. */
  private Future<Void> moveTo(Every every, int fallback) {
    if (!every.due()) {
      serve(fallback);
      return Future.succeededFuture();
    }
    return queueLengths().map(lengths -> {
      serve(pick(lengths, fallback));
      return null;
    });
  }

  private void serve(int next) {
    shard = next;
    since = System.nanoTime();
  }

  /** Every shard's queue length; -1 for one that could not be read. Never fails. */
  private Future<long[]> queueLengths() {
    List<Future<Long>> lengths = new ArrayList<>(stores.length);
    for (DeliveryStore store : stores) {
      lengths.add(store.queueLength());
    }
    return Future.join(lengths).transform(ar -> {
      long[] all = new long[lengths.size()];
      for (int s = 0; s < all.length; s++) {
        Future<Long> length = lengths.get(s);
        all[s] = length.succeeded() ? length.result() : -1;
      }
      return Future.succeededFuture(all);
    });
  }

  /**
   * A shard with messages waiting, drawn with a probability proportional to its queue's length:
   * the verticles of a fleet that read the same lengths spread over the long queues instead of all
   * going to the longest one. {@code fallback} when every queue is empty.
   */
  static int pick(long[] lengths, int fallback) {
    long total = 0;
    for (long length : lengths) {
      total += Math.max(0, length);
    }
    if (total == 0) {
      return fallback;
    }
    long draw = ThreadLocalRandom.current().nextLong(total);
    for (int s = 0; s < lengths.length; s++) {
      draw -= Math.max(0, lengths[s]);
      if (draw < 0) {
        return s;
      }
    }
    return fallback;
  }

  /** A rate limit: due at most once a period, and at once the first time. */
  private static final class Every {
    private final long periodNanos;
    // not Long.MIN_VALUE: now - MIN_VALUE overflows to a negative difference, which reads as "just
    // now" (the lengths were never read, and verticles never left their first shard)
    private long last = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    Every(long periodMs) {
      this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMs);
    }

    boolean due() {
      long now = System.nanoTime();
      if (now - last < periodNanos) {
        return false;
      }
      last = now;
      return true;
    }
  }
}
