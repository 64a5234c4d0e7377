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
    return await(scripts.run(script, keys, args));
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
