package dev.redfleet.testing;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** A synchronous Redis client for test code, on its own Vert.x instance. */
public final class TestRedis implements AutoCloseable {
  public final Keys keys;
  private final Vertx vertx;
  private final Redis redis;
  private final Scripts scripts;

  public TestRedis(String url, String namespace) {
    this(dev.redfleet.redis.RedisConnectionOptions.parse(url), namespace);
  }

  /** For a Redis with TLS, Sentinel or Cluster settings beyond its URL. */
  public TestRedis(dev.redfleet.redis.RedisConnectionOptions options, String namespace) {
    this.vertx = Vertx.vertx();
    this.redis = RedisConnector.create(vertx, options).pooled(4);
    this.scripts = new Scripts(redis);
    this.keys = new Keys(namespace);
  }

  public Response call(String command, Object... args) {
    Request request = Request.cmd(Command.create(command));
    for (Object arg : args) {
      request.arg(String.valueOf(arg));
    }
    return await(redis.send(request));
  }

  /** A client of a server that may still be loading its data: waits until it has loaded. */
  public static TestRedis afterLoading(String url, String namespace) {
    TestRedis r = new TestRedis(url, namespace);
    Waits.until("the data to load", java.time.Duration.ofSeconds(30), () -> {
      try {
        return r.string("INFO", "persistence").contains("loading:0");
      } catch (Throwable stillLoading) {
        return false;
      }
    });
    return r;
  }

  public Response run(Script script, List<String> keys, List<?> args) {
    Response answer = await(scripts.run(script, keys, args));
    if (script == Script.CLAIM) {
      remember(String.valueOf(args.get(3)), answer);
    } else if (script == Script.FINISH_CLAIM) {
      remember(String.valueOf(args.get(7)), answer.get(1));
    }
    return answer;
  }

  /** "<token>|<id>" -> {index, attempt} of every delivery a claim answered, as a worker keeps them. */
  private final java.util.Map<String, int[]> deliveries = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.regex.Pattern ATTEMPT = java.util.regex.Pattern.compile("^\\d+:\\d+:\\d+:(\\d+):");
  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("^([1-9]\\d*):");

  private void remember(String token, Response answer) {
    Response messages = answer.get(0);
    Response indices = answer.size() > 2 ? answer.get(2) : null;
    for (int i = 0; i < messages.size(); i++) {
      String raw = messages.get(i).toString();
      String id = heldId(raw);
      if (id != null) {
        int index = indices != null && indices.size() == messages.size() ? indices.get(i).toInteger() : i + 1;
        deliveries.put(token + "|" + id, new int[] {index, attemptOf(raw)});
      }
    }
  }

  /**
   * The id a queue entry is held under, as the claim script reads it: the digits of its
   * {@code <id>:} prefix (lua/lib/entry.lua); null for an entry without one.
   */
  public static String heldId(String raw) {
    java.util.regex.Matcher id = ID.matcher(raw);
    return id.find() ? id.group(1) : null;
  }

  private static int attemptOf(String raw) {
    java.util.regex.Matcher m = ATTEMPT.matcher(raw);
    return m.find() ? Integer.parseInt(m.group(1)) : 1;
  }

  /** LPUSHes the values in chunks of 1,000 per call. */
  public void pushAll(String key, List<String> values) {
    for (int i = 0; i < values.size(); i += 1000) {
      List<Object> args = new java.util.ArrayList<>();
      args.add(key);
      args.addAll(values.subList(i, Math.min(i + 1000, values.size())));
      call("LPUSH", args.toArray());
    }
  }

  /** {@code count} error entries with ids 1..count, oldest (id 1) first out. */
  public void fillErrors(int count) {
    List<String> entries = new java.util.ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      entries.add("{\"id\":" + i + ",\"epoch\":1,\"body\":\"b\",\"error\":\"boom\",\"node\":\"n\",\"at\":1}");
    }
    pushAll(keys.errors(), entries);
  }

  public long number(String command, Object... args) {
    Response r = call(command, args);
    return r == null ? 0 : r.toLong();
  }

  public String string(String command, Object... args) {
    Response r = call(command, args);
    return r == null ? null : r.toString();
  }

  public long stat(String field) {
    return number("HGET", keys.stats(), field);
  }

  /** Ids with a recorded outcome, counted bit by bit in every audit segment up to seq (not the counter). */
  public long audited() {
    try {
      return dev.redfleet.redis.AuditReader.count(this::send, keys, number("GET", keys.seq()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The ids (1..seq) whose outcome is recorded, read from every audit segment. */
  public java.util.BitSet auditedIds() {
    try {
      return dev.redfleet.redis.AuditReader.ids(this::send, keys, number("GET", keys.seq()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A counter of one shard's stats (a sharded namespace: {@code shard} is one of its {@code Shards}' keys). */
  public long stat(Keys shard, String field) {
    return number("HGET", shard.stats(), field);
  }

  /** One shard's ids (1..its seq) whose outcome is recorded, from every segment of its audit. */
  public java.util.BitSet auditedIds(Keys shard) {
    try {
      return dev.redfleet.redis.AuditReader.ids(this::send, shard, number("GET", shard.seq()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The audit bit of {@code id} (in its segment), 0 or 1. */
  public long auditBit(long id) {
    return number("GETBIT", keys.auditSegment(Keys.auditSegmentOf(id)), id % Keys.AUDIT_SEGMENT_IDS);
  }

  /** Sets the audit bit of {@code id} by hand (an outcome recorded elsewhere), without the counters. */
  public void setAuditBit(long id) {
    call("SETBIT", keys.auditSegment(Keys.auditSegmentOf(id)), id % Keys.AUDIT_SEGMENT_IDS, 1);
  }

  /** The audit counter status reads: ids recorded, as finish counted them. */
  public long auditTotal() {
    return number("HGET", keys.auditCounts(), "total");
  }

  /** Script calls (EVALSHA and EVAL) this server has run since its stats were last reset. */
  public long scriptCalls() {
    long calls = 0;
    for (String line : string("INFO", "commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
        calls += Long.parseLong(line.replaceAll(".*[:,]calls=(\\d+),.*", "$1"));
      }
    }
    return calls;
  }

  /** Messages {@code node} holds in flight: the {@code |held} count of its in-flight hash (lua/lib/deliveries.lua). */
  public long held(String node) {
    return held(keys, node);
  }

  /** What {@code node} holds in {@code shard}: its in-flight record's messages and its landing list. */
  public long holding(Keys shard, String node) {
    return held(shard, node) + number("LLEN", shard.landing(node));
  }

  /** What {@code node} holds over every shard of {@code shards} (see {@link #holding(Keys, String)}). */
  public long holding(dev.redfleet.redis.Shards shards, String node) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += holding(shard, node);
    }
    return sum;
  }

  /** Messages of {@code node}'s in-flight record in {@code shard}. */
  public long held(Keys shard, String node) {
    String held = string("HGET", shard.inflight(node), "|held");
    return held == null ? 0 : Long.parseLong(held);
  }

  /** Messages per chunk of a delivery record (DELIVERIES_CHUNK in lua/lib/deliveries.lua). */
  public static final int CHUNK = 32;

  /** The field of chunk {@code c} of claim {@code token}'s record: the token itself for chunk 0. */
  public static String chunkField(String token, int c) {
    return c == 0 ? token : token + "#" + c;
  }

  /**
   * Writes a delivery record by hand, in the layout of lua/lib/deliveries.lua, as claim writes it:
   * {@code messages} held by {@code node} under claim {@code token}, whose ids are given: the
   * messages in chunks of {@link #CHUNK} in the in-flight hash, the ids in the claim's key.
   */
  public void holdByHand(String node, String token, List<String> ids, List<String> messages) {
    List<Object> args = new java.util.ArrayList<>();
    args.add(keys.inflight(node));
    for (int first = 0; first < messages.size(); first += CHUNK) {
      StringBuilder offsets = new StringBuilder();
      StringBuilder body = new StringBuilder();
      for (int i = first; i < Math.min(first + CHUNK, messages.size()); i++) {
        offsets.append(String.format(java.util.Locale.ROOT, "%010d", body.length()));
        body.append(messages.get(i));
        deliveries.put(token + "|" + ids.get(i), new int[] {i + 1, attemptOf(messages.get(i))});
      }
      args.addAll(List.of(chunkField(token, first / CHUNK), offsets.toString() + body));
    }
    call("HSET", args.toArray());
    List<Object> slots = new java.util.ArrayList<>(List.of(keys.inflightClaim(node, token),
        "SET", "i64", "#0", messages.size(), "SET", "i64", "#1", messages.size()));
    for (int i = 0; i < ids.size(); i++) {
      slots.addAll(List.of("SET", "i64", "#" + (i + 2), ids.get(i)));
    }
    call("BITFIELD", slots.toArray());
    call("HINCRBY", keys.inflight(node), "|held", messages.size());
  }

  /**
   * The slots of claim {@code token}'s key on {@code node}: [0] the messages it still holds, [1] its
   * size n, [k + 1] the id of message k (0 once done). Empty when the claim is gone.
   */
  public long[] claimSlots(String node, String token) {
    Response value = call("GET", keys.inflightClaim(node, token));
    if (value == null) {
      return new long[0];
    }
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(value.toBuffer().getBytes());
    long[] slots = new long[bytes.remaining() / 8];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = bytes.getLong();
    }
    return slots;
  }

  /** The claim tokens that have a record in {@code node}'s in-flight hash. */
  public java.util.Set<String> claimTokens(String node) {
    java.util.Set<String> tokens = new java.util.LinkedHashSet<>();
    for (Response field : call("HKEYS", keys.inflight(node))) {
      String name = field.toString();
      if (!name.contains("|")) {
        int hash = name.indexOf('#');
        tokens.add(hash < 0 ? name : name.substring(0, hash));
      }
    }
    return tokens;
  }

  /**
   * Takes from {@code node} every delivery record that holds message {@code id} (its claim key and
   * all its chunks), as the reaper takes a node's records (without putting them back in the queue).
   * Returns the number of records (claims) taken.
   */
  public long dropRecordsOf(String node, String id) {
    long taken = 0;
    for (String token : claimTokens(node)) {
      long[] slots = claimSlots(node, token);
      boolean holds = false;
      for (int k = 2; k < slots.length; k++) {
        holds |= Long.toString(slots[k]).equals(id);
      }
      if (!holds) {
        continue;
      }
      taken++;
      for (int c = 0; c * CHUNK < slots[1]; c++) {
        call("HDEL", keys.inflight(node), chunkField(token, c));
      }
      call("DEL", keys.inflightClaim(node, token));
      call("HINCRBY", keys.inflight(node), "|held", -slots[0]);
    }
    return taken;
  }

  /**
   * The finish arguments a worker sends for the outcome of message {@code id} delivered under claim
   * {@code token}: (token, index, attempt, outcome). The index and attempt are those a claim run here
   * answered (as a worker keeps them, whatever became of the record since), else read from the
   * token's record (one written by hand); index 0, a delivery that never was, when neither knows it.
   */
  public List<String> outcome(String node, String id, String token, String outcome) {
    int[] known = deliveries.get(token + "|" + id);
    if (known != null) {
      return List.of(token, Integer.toString(known[0]), Integer.toString(known[1]), outcome);
    }
    int index = 0;
    int attempt = 1;
    long[] slots = claimSlots(node, token);
    for (int k = 1; k + 1 < slots.length && index == 0; k++) {
      if (Long.toString(slots[k + 1]).equals(id)) {
        int c = (k - 1) / CHUNK;
        int at = k - c * CHUNK;
        int n = (int) Math.min(CHUNK, slots[1] - (long) c * CHUNK);
        String record = string("HGET", keys.inflight(node), chunkField(token, c));
        if (record != null) {
          index = k;
          int from = n * 10 + Integer.parseInt(record.substring(at * 10 - 10, at * 10));
          int to = at < n ? n * 10 + Integer.parseInt(record.substring(at * 10, at * 10 + 10)) : record.length();
          attempt = attemptOf(record.substring(from, to));
        }
      }
    }
    return List.of(token, Integer.toString(index), Integer.toString(attempt), outcome);
  }

  private Response send(Request request) {
    return await(redis.send(request));
  }

  public Vertx vertx() {
    return vertx;
  }

  public Redis client() {
    return redis;
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.await(Duration.ofSeconds(30));
    } catch (TimeoutException e) {
      throw new AssertionError("Redis did not answer within 30 s", e);
    }
  }

  @Override
  public void close() {
    redis.close();
    vertx.close();
  }
}
