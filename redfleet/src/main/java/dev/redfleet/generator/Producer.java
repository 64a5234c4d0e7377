package dev.redfleet.generator;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one leadership run's produce calls go. One shard: the namespace's queue, fenced by the
 * lease, exactly as before shards existed. A sharded namespace: the lease is under the namespace's
 * hash tag and cannot be read by a script that writes a shard, so each shard is fenced by its own
 * fence ({@link #raiseFences()} first, then produce.lua raises or refuses per call). The simulated
 * source spreads its calls round robin over the shards, one shard per call; a source with a
 * committed cursor keeps its batches and cursor on shard 0 (the cursor and the batch must be in one
 * script, so in one slot).
 */
final class Producer {
  private final Shards shards;
  private final List<QueueStore> queues;
  private final Leadership leadership;
  private final long limit;
  private final long queueCap;
  /** Only shard 0 (a source with a position). */
  private final boolean firstShardOnly;
  /** Shards whose part of the limit is produced (or that have none). */
  private final boolean[] done;
  private int next;

  Producer(Scripts scripts, Shards shards, Leadership leadership, long limit, long queueCap, boolean firstShardOnly) {
    this.shards = shards;
    this.leadership = leadership;
    this.limit = limit;
    this.firstShardOnly = firstShardOnly;
    int n = shards.count();
    // the cap bounds all the queues together: each shard's queue gets its part
    this.queueCap = n == 1 || firstShardOnly ? queueCap : Math.max(1, (queueCap + n - 1) / n);
    this.queues = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      queues.add(new FleetStore(scripts, shards.shard(s)).queue());
    }
    this.done = new boolean[n];
    for (int s = 0; s < n; s++) {
      done[s] = (firstShardOnly && s > 0) || shardLimit(s) < 0;
    }
  }

  boolean sharded() {
    return shards.count() > 1;
  }

  /** The queue of the shard a positioned source writes to (the only one with one shard). */
  QueueStore firstQueue() {
    return queues.get(0);
  }

  /**
   * A sharded namespace: raises every shard's fence to this run's epoch before the first produce
   * anywhere. Completes with false when a shard's fence is higher (a newer generator exists: this
   * one is stale and must not produce). One shard: nothing to do (the lease is the fence).
   */
  Future<Boolean> raiseFences() {
    if (!sharded()) {
      return Future.succeededFuture(true);
    }
    List<Future<Long>> raised = new ArrayList<>(queues.size());
    for (QueueStore queue : queues) {
      raised.add(queue.raiseFence(leadership.epoch()));
    }
    return Future.all(raised).map(all -> {
      for (int i = 0; i < raised.size(); i++) {
        if (all.<Long>resultAt(i) > leadership.epoch()) {
          return false;
        }
      }
      return true;
    });
  }

  private long shardLimit(int s) {
    return firstShardOnly ? limit : shards.shardLimit(s, limit);
  }

  /**
   * One produce call on the next shard not done (round robin). A shard that reached its part of
   * the limit is done; the answer says 'limit' only once every shard is, and 'ok' for a shard that
   * is done while others are not.
   */
  Future<QueueStore.Produced> produce(String cursorFrom, String cursorTo, List<?> messages) {
    if (!sharded()) {
      return queues.get(0).produce(leadership.token(), leadership.epoch(), limit, queueCap, cursorFrom, cursorTo, messages);
    }
    int s = nextShard();
    if (s < 0) {
      return Future.succeededFuture(new QueueStore.Produced(0, 0, "limit", null));
    }
    return queues.get(s).produceFenced(leadership.epoch(), shardLimit(s), queueCap, cursorFrom, cursorTo, messages)
        .map(p -> {
          if (!"limit".equals(p.status()) || firstShardOnly) {
            return p;
          }
          done[s] = true;
          // the highest fleet-wide id of the shards done so far: once all are, the fleet's last id
          if (p.lastId() > 0) {
            highestDone = Math.max(highestDone, shards.globalId(s, p.lastId()));
          }
          return new QueueStore.Produced(p.count(), highestDone, allDone() ? p.status() : "ok", p.committed());
        });
  }

  /** The highest fleet-wide id of the shards that reached their part of the limit. */
  private long highestDone;

  private boolean allDone() {
    for (boolean d : done) {
      if (!d) {
        return false;
      }
    }
    return true;
  }

  /** The next shard not done, advancing the rotation; -1 when all are. */
  private int nextShard() {
    int n = done.length;
    for (int i = 0; i < n; i++) {
      int s = next;
      next = (next + 1) % n;
      if (!done[s]) {
        return s;
      }
    }
    return -1;
  }
}
