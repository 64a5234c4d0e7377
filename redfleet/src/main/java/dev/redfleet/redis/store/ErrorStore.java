package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The errors list in Redis: readers that take entries under a lease (getErrors), requeueing a
 * failed message as a new one, deleting an entry.
 */
public final class ErrorStore {
  private final Scripts scripts;
  private final Keys keys;

  ErrorStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /**
   * What errors-ack came to.
   *
   * @param deleted entries deleted
   * @param handedBack entries handed back to the errors list
   * @param leaseHeld the reader still held its lease (false: errors-recover had given its entries back)
   */
  public record Acked(long deleted, long handedBack, boolean leaseHeld) {}

  /**
   * An entry of the errors list as read.
   *
   * @param text the entry decoded as UTF-8
   * @param utf8 the entry is valid UTF-8: {@code text} is exactly its bytes
   */
  public record Entry(String text, boolean utf8) {}

  /** How many entries the errors list holds. */
  public Future<Long> length() {
    return scripts.send(Request.cmd(Command.LLEN).arg(keys.errors())).map(Response::toLong);
  }

  /** The entries from index {@code start} to {@code stop} (LRANGE: negative counts from the oldest, at the right end). */
  public Future<List<Entry>> range(long start, long stop) {
    return scripts.send(Request.cmd(Command.LRANGE).arg(keys.errors()).arg(start).arg(stop)).map(FiguresStore::entries);
  }

  /** errors-recover: hands back the entries of readers whose lease ran out; completes with how many. */
  public Future<Long> recoverReaders() {
    return scripts.run(Script.ERRORS_RECOVER, List.of(keys.errors(), keys.errorReaders()), List.of(keys.errorReadingPrefix()))
        .map(Response::toLong);
  }

  /**
   * errors-claim: up to {@code want} entries for reader {@code readerId}, oldest first, under a
   * lease of {@code leaseMs}; {@code known} of its taken entries the reader has seen already.
   */
  public Future<List<String>> claim(String readerId, long want, long leaseMs, long known) {
    return scripts.run(Script.ERRORS_CLAIM, List.of(keys.errors(), keys.errorReaders(), keys.errorReading(readerId)),
        List.of(readerId, want, leaseMs, known)).map(batch -> {
          List<String> entries = new ArrayList<>(batch.size());
          for (Response entry : batch) {
            entries.add(entry.toString());
          }
          return entries;
        });
  }

  /**
   * errors-ack: deletes the {@code count} entries the reader delivered and renews its lease; with
   * {@code last}, hands the rest back and ends its lease.
   */
  public Future<Acked> ack(String readerId, boolean last, long count, long leaseMs) {
    return scripts.run(Script.ERRORS_ACK, List.of(keys.errorReaders(), keys.errorReading(readerId), keys.errors()),
        List.of(readerId, last ? 1 : 0, count, leaseMs))
        .map(r -> new Acked(r.get(0).toLong(), r.get(1).toLong(), r.get(2).toLong() == 1));
  }

  /**
   * requeue-error: moves {@code entry} out of the errors list as a new message of {@code tail};
   * completes with the new id, 0 when the entry was no longer there (nothing written).
   */
  public Future<Long> requeue(String entry, String tail) {
    return scripts.run(Script.REQUEUE_ERROR, keys.requeueError(), List.of(entry, tail)).map(Response::toLong);
  }

  /** delete-error: whether {@code entry} was in the errors list and is now deleted. */
  public Future<Boolean> delete(String entry) {
    return scripts.run(Script.DELETE_ERROR, keys.deleteError(), List.of(entry)).map(r -> r.toInteger() == 1);
  }
}
