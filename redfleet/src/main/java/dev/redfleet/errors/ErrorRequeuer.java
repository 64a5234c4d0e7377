package dev.redfleet.errors;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.ErrorStore;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.send.Sender;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code requeue-errors}: moves entries of the errors list back into the queue as new messages,
 * oldest first, each in one {@code requeue-error.lua} call (the entry leaves the list and its new
 * message enters the queue together, or neither does), so a run killed half way loses and doubles
 * nothing, and the next run goes on where it stopped.
 *
 * <p>The list is read in pages of {@link #PAGE} from its right (oldest) end: memory stays bounded
 * for any length. Entries left in place (not failed messages, or not selected by id) stay at the
 * right end; {@code skipped} counts them and the next page starts past them. Only the entries
 * there at the start are examined: failures added meanwhile (a requeued message that fails again)
 * wait for the next run. An entry another reader took meanwhile is not found by the script and is
 * counted as {@code gone}; a concurrent getErrors may also shift the pages so that some entries are
 * not examined: they stay in the list, nothing is lost.
 *
 * <p>All on Futures: runs on an event loop or anywhere else.
 */
public final class ErrorRequeuer {
  /** Entries read per LRANGE. */
  public static final int PAGE = 500;
  /** The header of a requeued message that names the id of the message whose failure it repeats. */
  public static final String REQUEUED_FROM = "redfleet-requeued-from";

  /**
   * @param requeued entries moved to the queue as new messages
   * @param leftInPlace entries that are not failed messages, by kind (malformed, duplicate, ...): never requeued
   * @param gone entries another reader took between our read and our call
   * @param idsNotFound the ids asked for that no requeued entry had, in ascending order
   */
  public record Result(long requeued, Map<String, Long> leftInPlace, long gone, Set<Long> idsNotFound) {
    /** Two shards' results as one: counts added up; an id not found is one that neither found. */
    public static Result both(Result a, Result b) {
      Map<String, Long> left = new TreeMap<>(a.leftInPlace());
      b.leftInPlace().forEach((kind, n) -> left.merge(kind, n, Long::sum));
      Set<Long> missing = new TreeSet<>(a.idsNotFound());
      missing.retainAll(b.idsNotFound());
      return new Result(a.requeued() + b.requeued(), Collections.unmodifiableMap(left), a.gone() + b.gone(),
          Collections.unmodifiableSortedSet((TreeSet<Long>) missing));
    }

    public long leftInPlaceTotal() {
      return leftInPlace.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final ErrorStore errors;
  private final long limit;
  private final Set<Long> ids;

  private long examined;
  private long total;
  private long skipped;
  private long requeued;
  private long gone;
  private final Map<String, Long> leftInPlace = new TreeMap<>();
  private final Set<Long> idsNotFound;
  private final java.util.function.LongUnaryOperator toGlobal;

  /**
   * @param limit move at most this many (at least 1; Long.MAX_VALUE for all)
   * @param ids only entries of these original message ids; empty = every failed message
   */
  public ErrorRequeuer(Scripts scripts, Keys keys, long limit, Set<Long> ids) {
    this(scripts, keys, limit, ids, null);
  }

  /**
   * A requeuer of one shard's errors list: {@code toGlobal} turns the shard's ids into the
   * fleet-wide ones that {@code ids} and the new message's {@code redfleet-requeued-from} header
   * use (null: the one-shard case, ids as stored). The new message gets an id of the same shard.
   */
  public ErrorRequeuer(Scripts scripts, Keys keys, long limit, Set<Long> ids, java.util.function.LongUnaryOperator toGlobal) {
    this.toGlobal = toGlobal;
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    this.errors = new FleetStore(scripts, keys).errors();
    this.limit = limit;
    this.ids = Set.copyOf(ids);
    this.idsNotFound = new TreeSet<>(ids);
  }

  /** Entries requeued so far (for a caller that reports a failure half way). */
  public long requeuedSoFar() {
    return requeued;
  }

  public Future<Result> run() {
    return errors.length().compose(length -> {
      total = length;
      return nextPage();
    });
  }

  private Future<Result> nextPage() {
    long wanted = Math.min(PAGE, total - examined);
    if (requeued >= limit || wanted <= 0) {
      return Future.succeededFuture(new Result(requeued, Collections.unmodifiableMap(new TreeMap<>(leftInPlace)), gone,
          Collections.unmodifiableSortedSet(new TreeSet<>(idsNotFound))));
    }
    // the right end is the oldest: the page is [-(skipped + wanted), -(skipped + 1)], newest first
    return errors.range(-(skipped + wanted), -(skipped + 1)).compose(page -> {
      if (page.size() == 0) {
        total = examined;
        return nextPage();
      }
      return entry(page, page.size() - 1).compose(v -> nextPage());
    });
  }

  /** Handles page[i], then the entries left of it (newer), one call at a time. */
  private Future<Void> entry(List<ErrorStore.Entry> page, int i) {
    if (i < 0 || requeued >= limit) {
      return Future.succeededFuture();
    }
    examined++;
    ErrorStore.Entry raw = page.get(i);
    String entry = raw.text();
    // ids as the fleet knows them; the entry itself is removed byte for byte as stored
    Candidate candidate = read(ErrorsVerticle.fleetWide(entry, toGlobal));
    if (candidate.tail() == null || !raw.utf8()) {
      skipped++;
      if (ids.isEmpty()) {
        leftInPlace.merge(candidate.tail() == null ? candidate.kind() : "not UTF-8", 1L, Long::sum);
      }
      return entry(page, i - 1);
    }
    if (!ids.isEmpty() && !ids.contains(candidate.id())) {
      skipped++;
      return entry(page, i - 1);
    }
    return errors.requeue(entry, candidate.tail()).compose(newId -> {
      if (newId > 0) {
        requeued++;
        idsNotFound.remove(candidate.id());
      } else {
        gone++;
      }
      return entry(page, i - 1);
    });
  }

  /**
   * What requeueing one chosen entry came to.
   *
   * @param originalId the failed message's id (0 when the entry is no failed message)
   * @param newId the new message's id; 0 when nothing was moved
   * @param kind {@code failed} for a failed message (moved, or gone when newId is 0), else the kind
   *     of entry that is never requeued: {@code malformed}, {@code duplicate}, {@code unreadable}
   */
  public record One(long originalId, long newId, String kind) {
    public boolean requeued() {
      return newId > 0;
    }

    /** A failed message that another reader took before us: nothing was written. */
    public boolean gone() {
      return newId == 0 && "failed".equals(kind);
    }
  }

  /**
   * Requeues the entry that is exactly {@code entry} (the live page's "requeue" of one row), in one
   * {@code requeue-error.lua} call, as {@link #run} does for each entry: an entry that is no failed
   * message is left in place, one no longer in the list is not found and nothing is written.
   */
  public static Future<One> requeueOne(Scripts scripts, Keys keys, String entry) {
    return requeueOne(scripts, keys, entry, null);
  }

  /**
   * As {@link #requeueOne(Scripts, Keys, String)} in one shard's errors list: {@code toGlobal}
   * turns the shard's ids into fleet-wide ones (null: one shard), which the new message's {@code
   * redfleet-requeued-from} and both ids of the answer are.
   */
  public static Future<One> requeueOne(Scripts scripts, Keys keys, String entry, java.util.function.LongUnaryOperator toGlobal) {
    Candidate candidate = read(ErrorsVerticle.fleetWide(entry, toGlobal));
    if (candidate.tail() == null) {
      return Future.succeededFuture(new One(0, 0, candidate.kind()));
    }
    return new FleetStore(scripts, keys).errors().requeue(entry, candidate.tail())
        .map(newId -> new One(candidate.id(), newId > 0 && toGlobal != null ? toGlobal.applyAsLong(newId) : newId,
            candidate.kind()));
  }

  /**
   * What an errors entry is: a failed message (its id and the tail of its new message), or a kind
   * that is never requeued: {@code malformed} (not a message at all: its raw text is no body),
   * {@code duplicate} (its message's outcome was recorded already), {@code unreadable}.
   */
  record Candidate(long id, String tail, String kind) {}

  static Candidate read(String entry) {
    JsonObject json;
    try {
      json = new JsonObject(entry);
    } catch (RuntimeException notJson) {
      return new Candidate(0, null, "unreadable");
    }
    Object error = json.getValue("error");
    if ("malformed".equals(error) || "duplicate".equals(error)) {
      return new Candidate(0, null, (String) error);
    }
    Object id = json.getValue("id");
    Object body = json.getValue("body");
    Object key = json.getValue("key");
    Object headers = json.getValue("headers");
    if (!(id instanceof Integer || id instanceof Long) || ((Number) id).longValue() < 1 || !(body instanceof String text)
        || (key != null && !(key instanceof String)) || (headers != null && !(headers instanceof JsonObject))) {
      return new Candidate(0, null, "unreadable");
    }
    Map<String, String> kept = new LinkedHashMap<>();
    if (headers instanceof JsonObject given) {
      for (Map.Entry<String, Object> header : given) {
        if (!(header.getValue() instanceof String value)) {
          return new Candidate(0, null, "unreadable");
        }
        kept.put(header.getKey(), value);
      }
    }
    long original = ((Number) id).longValue();
    // a message requeued before names the latest failed id: the one whose entry this is
    kept.remove(REQUEUED_FROM);
    kept.put(REQUEUED_FROM, Long.toString(original));
    return new Candidate(original, Sender.tail(text, (String) key, kept), "failed");
  }
}
