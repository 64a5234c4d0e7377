package dev.redfleet.errors;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one-shot {@code getErrors}: takes the error entries out of Redis, prints them, deletes them.
 *
 * <p>Each batch is first moved into this reader's own reading list (so two readers never get the
 * same entry), printed and flushed, and only then deleted. A reader that dies half way leaves its
 * batch in its reading list; once its lease runs out the next reader hands the batch back to the
 * errors list and prints it. So nothing is lost, and an entry is printed twice only when a reader
 * died between printing a batch and deleting it.
 *
 * <p>It runs on the command's own thread and waits on each Redis answer: never on an event loop.
 */
public final class ErrorsReader {
  static final int BATCH = 500;
  /** A reader that neither acknowledges nor claims for this long is presumed dead. */
  static final long READER_LEASE_MS = 60_000;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /**
   * @param json print each entry as stored (one JSON object per line) instead of a readable line
   * @param limit at most this many entries; 0 = all
   * @param keep only show the entries, delete nothing
   */
  public record Options(boolean json, long limit, boolean keep) {}

  private final Redis redis;
  private final Scripts scripts;
  private final Keys keys;
  private final String readerId;
  private final long leaseMs;

  public ErrorsReader(Redis redis, Keys keys, String readerId) {
    this(redis, keys, readerId, READER_LEASE_MS);
  }

  /** @param leaseMs how long this reader's claimed batch is safe from other readers' recovery */
  public ErrorsReader(Redis redis, Keys keys, String readerId, long leaseMs) {
    this.redis = redis;
    this.scripts = new Scripts(redis);
    this.keys = keys;
    this.readerId = readerId;
    this.leaseMs = leaseMs;
  }

  /** Prints the entries to {@code out}; returns how many were printed. */
  public long read(Options options, PrintStream out) throws Exception {
    return options.keep() ? show(options, out) : drain(options, out);
  }

  private long drain(Options options, PrintStream out) throws Exception {
    await(scripts.run(Script.ERRORS_RECOVER, List.of(keys.errors(), keys.errorReaders()),
        List.of(keys.errorReadingPrefix())));
    long printed = 0;
    while (options.limit() == 0 || printed < options.limit()) {
      long want = options.limit() == 0 ? BATCH : Math.min(BATCH, options.limit() - printed);
      Response batch = await(scripts.run(Script.ERRORS_CLAIM,
          List.of(keys.errors(), keys.errorReaders(), keys.errorReading(readerId)),
          List.of(readerId, want, leaseMs)));
      if (batch.size() == 0) {
        break;
      }
      for (Response entry : batch) {
        out.println(format(entry.toString(), options.json()));
      }
      out.flush();
      if (out.checkError()) {
        // not acknowledged: the batch stays in this reader's list and goes back to the errors list
        // once the lease runs out
        throw new IllegalStateException("could not write to standard output; " + batch.size()
            + " claimed entries go back to the errors list within " + leaseMs / 1000 + " s");
      }
      ack(false);
      printed += batch.size();
    }
    ack(true);
    return printed;
  }

  private void ack(boolean done) throws Exception {
    await(scripts.run(Script.ERRORS_ACK, List.of(keys.errorReaders(), keys.errorReading(readerId)),
        List.of(readerId, done ? 1 : 0)));
  }

  private long show(Options options, PrintStream out) throws Exception {
    long total = await(redis.send(Request.cmd(Command.LLEN).arg(keys.errors()))).toLong();
    long wanted = options.limit() == 0 ? total : Math.min(total, options.limit());
    long printed = 0;
    // oldest entries are at the right end: walk from index -1 leftwards
    while (printed < wanted) {
      long count = Math.min(BATCH, wanted - printed);
      long stop = -1 - printed;
      long start = stop - count + 1;
      Response page = await(redis.send(Request.cmd(Command.LRANGE).arg(keys.errors()).arg(start).arg(stop)));
      if (page.size() == 0) {
        break;
      }
      List<String> entries = new ArrayList<>(page.size());
      page.forEach(r -> entries.add(r.toString()));
      for (int i = entries.size() - 1; i >= 0; i--) {
        out.println(format(entries.get(i), options.json()));
      }
      printed += entries.size();
    }
    out.flush();
    return printed;
  }

  /** One line per entry: the stored JSON, or a readable summary. */
  public static String format(String entry, boolean json) {
    if (json) {
      return entry;
    }
    JsonObject e;
    try {
      e = new JsonObject(entry);
    } catch (DecodeException | ClassCastException ex) {
      return "unreadable entry: " + abbreviate(entry, 200);
    }
    String at = e.getValue("at") instanceof Number n ? Instant.ofEpochMilli(n.longValue()).toString() : "-";
    String node = e.getString("node", "-");
    if ("malformed".equals(e.getValue("error")) && e.containsKey("raw")) {
      return at + "  malformed  node=" + node + "  raw=" + abbreviate(String.valueOf(e.getValue("raw")), 200);
    }
    return at + "  #" + e.getValue("id") + "  epoch=" + e.getValue("epoch") + "  node=" + node
        + "  error=" + e.getValue("error") + "  body=" + abbreviate(String.valueOf(e.getValue("body")), 200);
  }

  private static String abbreviate(String text, int max) {
    String flat = text.replace('\n', ' ').replace('\r', ' ');
    return flat.length() <= max ? flat : flat.substring(0, max) + "... (" + flat.length() + " chars)";
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.await(CALL_TIMEOUT);
  }
}
