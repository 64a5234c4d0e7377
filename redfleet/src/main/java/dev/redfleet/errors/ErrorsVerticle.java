package dev.redfleet.errors;

import dev.redfleet.config.Visible;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.ErrorStore;
import dev.redfleet.redis.store.FleetStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code getErrors} as a one-shot verticle: takes the error entries out of Redis, prints them and
 * deletes exactly those the consumer took, then completes {@link #done()}.
 *
 * <p>Each batch is first moved into this reader's own reading list (so two readers never get the
 * same entry), printed, and deleted only as far as {@link ErrorsOutput} confirms delivery. A reader
 * that dies half way leaves its entries in its reading list; once its lease runs out the next
 * reader hands them back to the errors list. A live reader keeps its lease however slow its
 * consumer is: a timer on the event loop renews it while the printing blocks on a thread of its
 * own. At the end (or when the output breaks) the entries printed but not confirmed go back to the
 * errors list at once. Nothing is lost; an entry is printed twice only if the reader died (or
 * could not tell delivery) between printing it and deleting it.
 */
public final class ErrorsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ErrorsVerticle.class);
  static final int BATCH = 500;
  /** A reader that does not renew its lease for this long is presumed dead. */
  public static final long READER_LEASE_MS = 60_000;

  /**
   * @param json print each entry as stored (one JSON object per line) instead of a readable line
   * @param limit at most this many entries; 0 = all
   * @param keep only show the entries, delete nothing
   * @param leaseMs how long this reader's entries are safe from other readers' recovery without renewal
   */
  public record Options(boolean json, long limit, boolean keep, long leaseMs) {
    public Options(boolean json, long limit, boolean keep) {
      this(json, limit, keep, READER_LEASE_MS);
    }
  }

  /** The output broke: {@code delivered} entries were taken, {@code returned} went back to Redis. */
  public static final class OutputClosed extends RuntimeException {
    public final long delivered;
    public final long returned;

    OutputClosed(long delivered, long returned, String reason) {
      super("standard output closed (" + reason + ") after " + delivered + " entr" + (delivered == 1 ? "y" : "ies")
          + "; " + returned + " printed but unconfirmed or unprinted entr" + (returned == 1 ? "y" : "ies")
          + " returned to the errors list", null, false, false);
      this.delivered = delivered;
      this.returned = returned;
    }
  }

  /** A Redis call failed: the entries this reader holds go back once its lease runs out. */
  public static final class RedisFailed extends RuntimeException {
    public final long delivered;

    RedisFailed(long delivered, Throwable cause) {
      // the cause is kept so a permanent refusal (an ACL without a command) can be told apart
      super(Backoff.oneLine(cause), cause, false, false);
      this.delivered = delivered;
    }
  }

  private final ErrorStore errors;
  private final String readerId;
  private final Options options;
  private final ErrorsOutput out;
  private final Promise<Long> done = Promise.promise();
  private ExecutorService printer;
  private long renewTimer = -1;
  /** Entries printed (cumulative) and entries deleted from the reading list after delivery. */
  private long printed;
  private long acked;
  private boolean leaseLostLogged;
  /** A shard's ids to fleet-wide ones; null = as stored. */
  private final java.util.function.LongUnaryOperator ids;

  public ErrorsVerticle(Redis redis, Keys keys, String readerId, Options options, ErrorsOutput out) {
    this(redis, keys, readerId, options, out, null);
  }

  /**
   * A reader of one shard's errors list: {@code ids} turns the shard's own ids into fleet-wide ones
   * in what is printed (null: printed as stored, the one-shard case).
   */
  public ErrorsVerticle(Redis redis, Keys keys, String readerId, Options options, ErrorsOutput out,
      java.util.function.LongUnaryOperator ids) {
    this.ids = ids;
    this.errors = new FleetStore(new Scripts(redis), keys).errors();
    this.readerId = readerId;
    this.options = options;
    this.out = out;
  }

  /** A reader id of its own for every reader process: never derived from a node id. */
  public static String newReaderId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.\\-]", "-");
    } catch (Exception e) {
      host = "host";
    }
    return "reader-" + host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);
  }

  /** Completes with the number of entries delivered (or shown, with keep), or fails. */
  public Future<Long> done() {
    return done.future();
  }

  @Override
  public Future<?> start() {
    printer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "redfleet-errors-printer");
      t.setDaemon(true);
      return t;
    });
    if (options.keep()) {
      show(0);
    } else {
      renewTimer = vertx.setPeriodic(Math.max(10, options.leaseMs() / 3), id -> renew());
      errors.recoverReaders()
          .onSuccess(back -> {
            if (back > 0) {
              log.info("{} entries of readers that went away returned to the errors list", back);
            }
            claim();
          })
          .onFailure(this::redisFailed);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (renewTimer != -1) {
      vertx.cancelTimer(renewTimer);
    }
    printer.shutdownNow();
    done.tryFail("stopped before the end");
    return Future.succeededFuture();
  }

  private void claim() {
    long want = options.limit() == 0 ? BATCH : Math.min(BATCH, options.limit() - printed);
    if (want <= 0) {
      finish();
      return;
    }
    errors.claim(readerId, want, options.leaseMs(), printed - acked)
        .onSuccess(batch -> {
          if (batch.isEmpty()) {
            finish();
            return;
          }
          List<String> lines = new ArrayList<>(batch.size());
          for (String entry : batch) {
            lines.add(format(fleetWide(entry, ids), options.json()));
          }
          printed += lines.size();
          blocking(() -> out.print(lines))
              .onSuccess(delivered -> ack(delivered, false).onSuccess(v -> claim()))
              .onFailure(this::outputFailed);
        })
        .onFailure(this::redisFailed);
  }

  /** No more entries (or the limit): wait until the consumer took what was printed, then leave. */
  private void finish() {
    blocking(out::awaitDelivery)
        .onSuccess(delivered -> ack(delivered, true).onSuccess(returned -> {
          if (returned > 0) {
            // the same ending as a write that failed: the consumer left before taking everything
            done.tryFail(new OutputClosed(delivered, returned, "the consumer went away"));
          } else {
            done.tryComplete(delivered);
          }
        }))
        .onFailure(e -> done.tryFail(e));
  }

  private void outputFailed(Throwable failure) {
    long delivered = failure instanceof ErrorsOutput.Closed closed ? closed.delivered : acked;
    ack(delivered, true).onSuccess(returned -> done.tryFail(new OutputClosed(delivered, returned, Backoff.oneLine(failure))));
  }

  /**
   * Deletes the entries delivered since the last ack and renews the lease; when {@code last}, hands
   * the rest back and leaves. Completes with the number handed back; a Redis failure ends the run.
   */
  private Future<Long> ack(long delivered, boolean last) {
    long count = delivered - acked;
    return errors.ack(readerId, last, count, options.leaseMs())
        .map(r -> {
          acked = delivered;
          leaseHeld(r.leaseHeld(), last);
          return r.handedBack();
        })
        .onFailure(this::redisFailed);
  }

  private void renew() {
    errors.ack(readerId, false, 0, options.leaseMs())
        .onSuccess(r -> leaseHeld(r.leaseHeld(), false))
        // the next claim or ack says whether Redis is gone for good
        .onFailure(e -> log.debug("lease renewal failed: {}", Backoff.oneLine(e)));
  }

  private void leaseHeld(boolean held, boolean last) {
    if (!held && !last && !leaseLostLogged) {
      leaseLostLogged = true;
      log.warn("this reader's lease ran out (Redis unreachable for {} ms?): entries it held may be printed twice",
          options.leaseMs());
    }
  }

  private void redisFailed(Throwable failure) {
    done.tryFail(new RedisFailed(acked, failure));
  }

  /** --keep: pages through the list from its oldest end, deleting nothing. */
  private void show(long shown) {
    long want = options.limit() == 0 ? BATCH : Math.min(BATCH, options.limit() - shown);
    if (want <= 0) {
      finishShow(shown);
      return;
    }
    // oldest entries are at the right end: walk from index -1 leftwards
    long stop = -1 - shown;
    long start = stop - want + 1;
    errors.range(start, stop)
        .onSuccess(page -> {
          if (page.isEmpty()) {
            finishShow(shown);
            return;
          }
          List<String> lines = new ArrayList<>(page.size());
          for (int i = page.size() - 1; i >= 0; i--) {
            lines.add(format(fleetWide(page.get(i).text(), ids), options.json()));
          }
          blocking(() -> out.print(lines))
              .onSuccess(v -> show(shown + lines.size()))
              .onFailure(e -> done.tryFail(new OutputClosed(out.delivered(), 0, Backoff.oneLine(e))));
        })
        .onFailure(this::redisFailed);
  }

  private void finishShow(long shown) {
    // nothing is deleted with --keep: no need to wait for the consumer to read it all
    done.tryComplete(shown);
  }

  private interface Blocking<T> {
    T call() throws Exception;
  }

  /** Runs on the printer thread; the answer comes back on this verticle's event loop. */
  private <T> Future<T> blocking(Blocking<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    printer.execute(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return Future.fromCompletionStage(result, context);
  }

  /**
   * One line per entry: the stored JSON, or a readable summary. Either way every control character
   * (C0, DEL, C1: an escape sequence in a handler's reason or a forged entry) is printed as a
   * visible <code>&#92;u001b</code> escape, never sent to the terminal; in a JSON line that is the same JSON.
   */
  /**
   * An entry of a shard's errors list with its id ({@code {"id":N,} at its start, as every entry
   * the fleet writes has it) replaced by the fleet-wide id; anything else (a malformed entry's
   * record, a forged one) as it is.
   */
  public static String fleetWide(String entry, java.util.function.LongUnaryOperator ids) {
    if (ids == null || !entry.startsWith("{\"id\":")) {
      return entry;
    }
    int start = 6;
    int end = start;
    while (end < entry.length() && end - start < 18 && entry.charAt(end) >= '0' && entry.charAt(end) <= '9') {
      end++;
    }
    if (end == start || end >= entry.length() || entry.charAt(end) != ',') {
      return entry;
    }
    return "{\"id\":" + ids.applyAsLong(Long.parseLong(entry.substring(start, end))) + entry.substring(end);
  }

  public static String format(String entry, boolean json) {
    return Visible.escape(json ? entry : summary(entry));
  }

  private static String summary(String entry) {
    JsonObject e;
    try {
      e = new JsonObject(entry);
    } catch (DecodeException | ClassCastException ex) {
      return "unreadable entry: " + abbreviate(entry, 200);
    }
    String at = e.getValue("at") instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : "-";
    Object node = e.getValue("node") == null ? "-" : e.getValue("node");
    if ("malformed".equals(e.getValue("error")) && e.containsKey("raw")) {
      return at + "  malformed  node=" + node + "  raw=" + abbreviate(String.valueOf(e.getValue("raw")), 200);
    }
    return at + "  #" + e.getValue("id") + "  epoch=" + e.getValue("epoch") + "  node=" + node
        + "  error=" + e.getValue("error") + "  body=" + abbreviate(String.valueOf(e.getValue("body")), 200);
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "... (" + text.length() + " chars)";
  }
}
