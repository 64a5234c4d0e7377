package dev.redfleet.send;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Sends messages from outside the fleet with {@code send.lua}: the one implementation behind the
 * send command, POST /messages and the Java client. It checks each message ({@link #check}),
 * encodes it as a message tail, and sends a list in chunks of {@link #CHUNK} messages, all chunks
 * on the wire at once (pipelined over the pool). Ids come back in the order of the list.
 *
 * <p>In a sharded namespace each call goes to one shard: a message with a key to the shard of
 * hash(key) mod N (so one key's messages, and its dedup key, stay on one shard, in order), the
 * others of a call to the next shard in rotation. The ids are the fleet-wide ones ({@link Shards}).
 */
public final class Sender {
  /** Messages per script call: big enough to amortise the call, small enough not to stall Redis (about 1 ms). */
  public static final int CHUNK = 500;
  public static final int MAX_KEY_CHARS = 1024;
  public static final int MAX_HEADERS = 64;
  public static final int MAX_HEADER_NAME_CHARS = 256;
  public static final int MAX_HEADER_VALUE_CHARS = 8192;
  public static final Duration MAX_DELAY = Duration.ofDays(3653);
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  private final QueueStore queue;
  private final Shards shards;
  /** One per shard (sharded namespaces only). */
  private final List<QueueStore> queues = new ArrayList<>();
  /** The shard the next call's messages without a key go to. */
  private final java.util.concurrent.atomic.AtomicInteger rotation = new java.util.concurrent.atomic.AtomicInteger();
  private final long maxBodyBytes;
  private final long dedupWindowMs;

  public Sender(Scripts scripts, Keys keys, long maxBodyBytes, long dedupWindowMs) {
    this(scripts, Shards.one(keys), maxBodyBytes, dedupWindowMs);
  }

  public Sender(Scripts scripts, Shards shards, long maxBodyBytes, long dedupWindowMs) {
    this.shards = shards;
    this.queue = new FleetStore(scripts, shards.shard(0)).queue();
    if (shards.count() > 1) {
      for (Keys shard : shards.all()) {
        queues.add(new FleetStore(scripts, shard).queue());
      }
    }
    this.maxBodyBytes = maxBodyBytes;
    this.dedupWindowMs = dedupWindowMs;
  }

  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Why this message cannot be sent, in one line, or null when it can. */
  public String check(NewMessage message) {
    if (message == null) {
      return "no message";
    }
    String body = message.body();
    // chars are at least one byte each and at most three: only a body near the limit is counted
    if (body.length() > maxBodyBytes || (body.length() * 3L > maxBodyBytes && JsonText.utf8Length(body) > maxBodyBytes)) {
      return "body is " + JsonText.utf8Length(body) + " bytes, more than maxBodyBytes (" + maxBodyBytes + ")";
    }
    return checkOptions(message.options());
  }

  /** Why these options cannot be sent, in one line, or null when they can (the body aside). */
  public static String checkOptions(SendOptions options) {
    String key = options.getKey();
    if (key != null && (key.isEmpty() || key.length() > MAX_KEY_CHARS)) {
      return "key must be 1 to " + MAX_KEY_CHARS + " characters, got " + key.length();
    }
    Map<String, String> headers = options.getHeaders();
    if (headers.size() > MAX_HEADERS) {
      return "at most " + MAX_HEADERS + " headers, got " + headers.size();
    }
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey();
      if (name.length() > MAX_HEADER_NAME_CHARS || !HEADER_NAME.matcher(name).matches()) {
        return "header name must be 1 to " + MAX_HEADER_NAME_CHARS + " characters of A-Z a-z 0-9 !#$%&'*+-.^_`|~";
      }
      if (header.getValue().length() > MAX_HEADER_VALUE_CHARS) {
        return "header '" + name + "' is longer than " + MAX_HEADER_VALUE_CHARS + " characters";
      }
    }
    Duration delay = options.getDelay();
    if (delay != null && (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0)) {
      return "delay must be between 0 ms and 10 years";
    }
    Instant at = options.getAt();
    if (at != null && (at.isBefore(Instant.EPOCH) || at.isAfter(Instant.now().plus(MAX_DELAY)))) {
      return "at must be a time between 1970 and 10 years from now";
    }
    return null;
  }

  /** Sends one message; fails with an IllegalArgumentException (one line) when {@link #check} refuses it. */
  public Future<Long> send(NewMessage message) {
    return sendAll(List.of(message)).map(ids -> ids.get(0));
  }

  /**
   * Sends every message, or none when one of them is refused by {@link #check} (an
   * IllegalArgumentException naming its position). Each chunk is one atomic script; the chunks are
   * independent, so a failure (Redis down) may leave some chunks sent and others not.
   */
  public Future<List<Long>> sendAll(List<NewMessage> messages) {
    for (int i = 0; i < messages.size(); i++) {
      String refused = check(messages.get(i));
      if (refused != null) {
        return Future.failedFuture(new IllegalArgumentException(
            (messages.size() > 1 ? "message " + (i + 1) + ": " : "") + refused));
      }
    }
    if (messages.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Future<long[]>> chunks = new ArrayList<>();
    for (int from = 0; from < messages.size(); from += CHUNK) {
      chunks.add(sendChecked(messages.subList(from, Math.min(messages.size(), from + CHUNK))));
    }
    return Future.all(chunks).map(all -> {
      List<Long> ids = new ArrayList<>(messages.size());
      for (Future<long[]> chunk : chunks) {
        for (long id : chunk.result()) {
          ids.add(id);
        }
      }
      return ids;
    });
  }

  /** One script call for messages that passed {@link #check}: at most {@link #CHUNK} of them; completes with their ids. */
  public Future<long[]> sendChecked(List<NewMessage> messages) {
    List<QueueStore.Outgoing> encoded = new ArrayList<>(messages.size());
    for (NewMessage message : messages) {
      encoded.add(encode(message));
    }
    return sendEncoded(encoded);
  }

  /**
   * A message that passed {@link #check}, as send.lua takes it: encoded when it is handed over,
   * so that options changed later by the caller (they are mutable) cannot change what is sent.
   */
  public QueueStore.Outgoing encode(NewMessage message) {
    SendOptions options = message.options();
    String key = options.getKey();
    return new QueueStore.Outgoing(due(options), key, tail(message.body(), key, options.getHeaders()));
  }

  /** One script call for encoded messages: at most {@link #CHUNK} of them; completes with their ids, in order. */
  public Future<long[]> sendEncoded(List<QueueStore.Outgoing> messages) {
    if (shards.count() == 1) {
      return queue.send(dedupWindowMs, messages);
    }
    int n = shards.count();
    int spread = Math.floorMod(rotation.getAndIncrement(), n);
    // positions of the messages per shard, in order
    List<List<Integer>> positions = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      positions.add(new ArrayList<>());
    }
    for (int i = 0; i < messages.size(); i++) {
      String key = messages.get(i).dedupKey();
      positions.get(key == null ? spread : shards.shardOfKey(key)).add(i);
    }
    List<Future<long[]>> calls = new ArrayList<>(n);
    List<Integer> called = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      List<Integer> mine = positions.get(s);
      if (mine.isEmpty()) {
        continue;
      }
      List<QueueStore.Outgoing> part = new ArrayList<>(mine.size());
      mine.forEach(i -> part.add(messages.get(i)));
      calls.add(queues.get(s).send(dedupWindowMs, part));
      called.add(s);
    }
    return Future.all(calls).map(all -> {
      long[] ids = new long[messages.size()];
      for (int c = 0; c < calls.size(); c++) {
        int s = called.get(c);
        long[] local = calls.get(c).result();
        List<Integer> mine = positions.get(s);
        for (int j = 0; j < local.length; j++) {
          ids[mine.get(j)] = shards.globalId(s, local[j]);
        }
      }
      return ids;
    });
  }

  private static String due(SendOptions options) {
    if (options.getDelay() != null && !options.getDelay().isZero()) {
      return "d" + options.getDelay().toMillis();
    }
    if (options.getAt() != null) {
      return "a" + options.getAt().toEpochMilli();
    }
    return "";
  }

  /**
   * The part of a queue entry that its sender makes (its "tail": lua/lib/entry.lua):
   * {@code <meta length>:<meta><body>}, where meta is {@code ""} or a JSON object holding the key
   * and the headers, and the body is the text as it is (UTF-8 on the wire, no quotes, no escapes).
   * The scripts put the header fields (id, epoch, ts, attempt, sent) in front of it.
   */
  public static String tail(String body, String key, Map<String, String> headers) {
    if (key == null && headers.isEmpty()) {
      return "0:" + body;
    }
    StringBuilder meta = new StringBuilder(64).append('{');
    if (key != null) {
      meta.append("\"key\":").append(JsonText.quote(key));
    }
    if (!headers.isEmpty()) {
      if (key != null) {
        meta.append(',');
      }
      meta.append("\"headers\":{");
      boolean first = true;
      for (Map.Entry<String, String> header : headers.entrySet()) {
        if (!first) {
          meta.append(',');
        }
        first = false;
        meta.append(JsonText.quote(header.getKey())).append(':').append(JsonText.quote(header.getValue()));
      }
      meta.append('}');
    }
    meta.append('}');
    return JsonText.utf8Length(meta) + ":" + meta + body;
  }
}
