package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Messages in: the generator's produce, sends from outside the fleet, and the delayed set's
 * retry mover (retry-due), with the source's committed position.
 */
public final class QueueStore {
  private final Scripts scripts;
  private final Keys keys;

  QueueStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /**
   * What produce came to (see produce.lua).
   *
   * @param count messages appended by this call
   * @param lastId seq after the call
   * @param status ok, full, limit, fenced, paused or moved
   * @param committed for 'moved', the cursor committed in Redis ("" none); else null
   */
  public record Produced(long count, long lastId, String status, String committed) {}

  /**
   * seq and the source's committed cursor as read at a source's start.
   *
   * @param seq the text of seq, null when there is none
   * @param cursor the committed cursor, "" when none
   */
  public record SourcePosition(String seq, String cursor) {}

  /**
   * A message as send.lua takes it, encoded when it is handed over.
   *
   * @param due '' = now, 'd&lt;ms&gt;' = after a delay, 'a&lt;ms&gt;' = at a Redis time
   * @param dedupKey its dedup key (the caller's, not a Redis key), or null
   * @param tail the message's tail, {@code <meta length>:<meta><body>} ({@code Sender.tail}, lua/lib/entry.lua)
   */
  public record Outgoing(String due, String dedupKey, String tail) {}

  /**
   * What retry-due came to.
   *
   * @param moved entries moved to the queue
   * @param malformed entries that went to the errors list (not written by the fleet)
   * @param nextDueMs ms until the earliest entry left is due; -1 none is left
   */
  public record RetriesMoved(long moved, long malformed, long nextDueMs) {}

  /**
   * produce: appends {@code messages} (message tails, {@code Sender.tail}; each a String or
   * its UTF-8 bytes) for the lease
   * {@code token} of {@code epoch}, under the fleet's {@code limit} (0 none) and the queue's {@code
   * queueCap}; with a cursor ({@code cursorTo} not ""), only if the committed cursor is still {@code
   * cursorFrom}, committing {@code cursorTo} with the batch.
   */
  public Future<Produced> produce(String token, long epoch, long limit, long queueCap, String cursorFrom, String cursorTo,
                                  List<?> messages) {
    return produce(keys.produce(), token, epoch, limit, queueCap, cursorFrom, cursorTo, messages);
  }

  /**
   * produce on a shard of a sharded namespace: as {@link #produce}, fenced by the shard's fence
   * instead of the lease (refused below it, raised to {@code epoch} with the first write).
   */
  public Future<Produced> produceFenced(long epoch, long limit, long queueCap, String cursorFrom, String cursorTo,
                                        List<?> messages) {
    return produce(keys.produceFenced(), "fence", epoch, limit, queueCap, cursorFrom, cursorTo, messages);
  }

  /**
   * Raises this shard's fence to {@code epoch} (fence.lua); completes with the fence after the
   * call, higher than {@code epoch} when a newer generator raised it first.
   */
  public Future<Long> raiseFence(long epoch) {
    return scripts.run(Script.FENCE, List.of(keys.fence()), List.of(epoch)).map(Response::toLong);
  }

  private Future<Produced> produce(List<String> produceKeys, String token, long epoch, long limit, long queueCap,
                                   String cursorFrom, String cursorTo, List<?> messages) {
    List<Object> args = new ArrayList<>(Scripts.PRODUCE_FIXED_ARGS + messages.size());
    args.add(token);
    args.add(epoch);
    args.add(limit);
    args.add(queueCap);
    args.add(cursorFrom);
    args.add(cursorTo);
    args.addAll(messages);
    return scripts.run(Script.PRODUCE, produceKeys, args).map(r -> new Produced(r.get(0).toLong(), r.get(1).toLong(),
        r.get(2).toString(), r.size() > 3 ? (r.get(3) == null ? "" : r.get(3).toString()) : null));
  }

  /** seq and the committed source cursor, read together. */
  public Future<SourcePosition> sourcePosition() {
    return scripts.send(Request.cmd(Command.MGET).arg(keys.seq()).arg(keys.sourceCursor())).map(values ->
        new SourcePosition(values.get(0) == null ? null : values.get(0).toString(),
            values.get(1) == null ? "" : values.get(1).toString()));
  }

  /**
   * send: adds {@code messages}, each deduplicated by its key for {@code dedupWindowMs}; completes
   * with their ids in order (for a dedup key seen within the window, the id first sent with it).
   */
  public Future<long[]> send(long dedupWindowMs, List<Outgoing> messages) {
    List<String> callKeys = new ArrayList<>(keys.send());
    List<Object> args = new ArrayList<>(1 + 3 * messages.size());
    args.add(dedupWindowMs);
    for (Outgoing message : messages) {
      args.add(message.due());
      if (message.dedupKey() != null) {
        callKeys.add(keys.dedup(message.dedupKey()));
        args.add("1");
      } else {
        args.add("0");
      }
      args.add(message.tail());
    }
    return scripts.run(Script.SEND, callKeys, args).map(answer -> {
      Response list = answer.get(0);
      long[] ids = new long[list.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = list.get(i).toLong();
      }
      return ids;
    });
  }

  /** retry-due: moves at most {@code max} due entries of the delayed set to the queue, as node {@code nodeId}. */
  public Future<RetriesMoved> retryDue(int max, String nodeId, long horizonMs) {
    return scripts.run(Script.RETRY_DUE, keys.retryDue(), retryDueArgs(max, nodeId, horizonMs)).map(r ->
        new RetriesMoved(r.get(0).toLong(), r.get(2).toLong(), r.size() > 3 ? r.get(3).toLong() : -1));
  }

  /**
   * Waits on {@code blocking}, a connection of its own (BLMOVE blocks it), up to {@code ms} for the
   * delayed set's wake list to get an entry (send and finish add one with a delayed message).
   */
  public Future<Void> awaitWake(Redis blocking, long ms) {
    String wake = keys.delayedWake();
    Request request = Request.cmd(Command.BLMOVE).arg(wake).arg(wake).arg("LEFT").arg("LEFT")
        .arg(String.format(Locale.ROOT, "%.3f", ms / 1000.0));
    return blocking.send(request).timeout(ms + Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** retry-due's ARGV (also for the script tests). */
  public static List<Object> retryDueArgs(int max, String nodeId, long horizonMs) {
    return List.of(max, nodeId, horizonMs);
  }
}
