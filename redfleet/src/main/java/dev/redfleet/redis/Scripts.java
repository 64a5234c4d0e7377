package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs the Lua scripts with EVALSHA. When Redis says NOSCRIPT (a fresh or restarted server, a
 * Sentinel master just promoted, a Cluster master that never saw the script) the call is repeated
 * once as EVAL, which also caches the script on that server: no SCRIPT LOAD that would reach only
 * one master of a cluster. A call refused by a Cluster slot move (MOVED, ASK, TRYAGAIN, CLUSTERDOWN)
 * is repeated. Every call fails after {@link #CALL_TIMEOUT_MS} without an answer: the callers retry,
 * and every script is safe to repeat.
 *
 * <p>A fleet member's runner (made by {@link RedisConnector#scripts}) adds its {@link Durability}:
 * WAIT for replicas, the floors that keep ids and epochs from going backwards (the issue guard),
 * and the node's {@link Holdings}. A plain runner (one-shot reads, tests, the benchmark) has none.
 */
public final class Scripts {
  /** How long any Redis call may go unanswered before it counts as failed. */
  public static final long CALL_TIMEOUT_MS = 10_000;

  /** How often a call answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN is repeated, 50 ms apart. */
  static final int CLUSTER_RETRIES = 20;

  /** ARGV of produce.lua before the message bodies (token, epoch, limit, queue cap, cursor from, cursor to). */
  public static final int PRODUCE_FIXED_ARGS = 6;

  private final Redis redis;
  private final Durability durability;

  /** Plain script runner: no WAIT, no floors (one-shot reads, tests, the benchmark). */
  public Scripts(Redis redis) {
    this(redis, 0, 0, null, null);
  }

  Scripts(Redis redis, int waitReplicas, int waitTimeoutMs, Floors floors, Holdings holdings) {
    this.redis = redis;
    this.durability = new Durability(this, waitReplicas, waitTimeoutMs, floors, holdings);
  }

  /** The floors of a fleet member's runner; null for a plain one. */
  public Floors floors() {
    return durability.floors();
  }

  /** What the node holds, for a fleet member's runner; null for a plain one. */
  public Holdings holdings() {
    return durability.holdings();
  }

  public Future<Response> run(Script script, List<String> keys, List<?> args) {
    return durability.run(script, keys, args);
  }

  /** A script exactly as given: no guard, whatever runner this is (floors.lua itself, and tools). */
  Future<Response> plainRun(Script script, List<String> keys, List<?> args) {
    return durability.call(script, keys, args);
  }

  /** Whether a call was refused by issue-guard (the floors), not failed: it is tried again once they allow. */
  public static boolean refusedByGuard(Throwable failure) {
    // a script in a batch (with WAIT) fails as "ERR [0] FLOORS ..."
    String m = String.valueOf(failure.getMessage());
    return m.startsWith("FLOORS ") || m.contains("] FLOORS ");
  }

  /** One call made by {@code attempt}: repeated on a Cluster slot move, failed after {@link #CALL_TIMEOUT_MS}. */
  Future<Response> call(Supplier<Future<Response>> attempt) {
    return redirected(attempt, CLUSTER_RETRIES).timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Redis Cluster moves a slot: a script is refused (MOVED, ASK, or TRYAGAIN while its keys are
   * split between two masters) and was not run, so repeating it is safe. The client learns the
   * new owner from the answer; the roles above never see the move.
   */
  private static Future<Response> redirected(Supplier<Future<Response>> call, int left) {
    return call.get().recover(failure -> {
      if (!slotMoving(failure) || left <= 0) {
        return Future.failedFuture(failure);
      }
      return pause(50).compose(v -> redirected(call, left - 1));
    });
  }

  /**
   * Whether Redis Cluster refused a command because its slot is moving or has moved (MOVED, ASK,
   * TRYAGAIN, CLUSTERDOWN): the command did not run, and repeating it reaches the new owner.
   */
  public static boolean slotMoving(Throwable failure) {
    String m = String.valueOf(failure.getMessage());
    return m.startsWith("MOVED") || m.startsWith("ASK") || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN")
        || m.contains("] MOVED") || m.contains("] ASK") || m.contains("] TRYAGAIN");
  }

  /** A pause on the current Vert.x context (none outside one). */
  static Future<Void> pause(long ms) {
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    return context == null ? Future.succeededFuture() : context.owner().timer(ms, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** The script, EVALSHA then EVAL on NOSCRIPT. */
  Future<Response> eval(Script script, List<String> keys, List<?> args) {
    // NOSCRIPT: a server without our scripts (restarted, a replica just promoted, another cluster master)
    return redis.send(evalsha(script, keys, args)).recover(failure -> noscript(failure)
        ? redis.send(evalRequest(script, keys, args)) : Future.failedFuture(failure));
  }

  /**
   * The script and a {@code WAIT replicas timeoutMs} pipelined on one connection (WAIT counts that
   * connection's writes): both answers, the script's first.
   */
  Future<List<Response>> evalAndWait(Script script, List<String> keys, List<?> args, int replicas, int timeoutMs) {
    return redis.batch(List.of(evalsha(script, keys, args), Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMs)))
        .recover(failure -> noscript(failure)
            ? redis.batch(List.of(evalRequest(script, keys, args), Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMs)))
            : Future.failedFuture(failure));
  }

  private static boolean noscript(Throwable failure) {
    return failure.getMessage() != null && failure.getMessage().contains("NOSCRIPT");
  }

  private static Request evalsha(Script script, List<String> keys, List<?> args) {
    return withArgs(Request.cmd(Command.EVALSHA).arg(script.sha()), keys, args);
  }

  private static Request evalRequest(Script script, List<String> keys, List<?> args) {
    return withArgs(Request.cmd(Command.EVAL).arg(script.source()), keys, args);
  }

  private static Request withArgs(Request request, List<String> keys, List<?> args) {
    request.arg(keys.size());
    for (String key : keys) {
      request.arg(key);
    }
    for (Object arg : args) {
      if (arg instanceof Number n) {
        request.arg(n.longValue());
      } else if (arg instanceof byte[] bytes) {
        // already encoded (the generator's bodies): written as they are
        request.arg(bytes);
      } else {
        request.arg(String.valueOf(arg));
      }
    }
    return request;
  }

  // liveness

  /** A plain command through the same client, with the same timeout as a script. */
  public Future<Response> send(Request request) {
    // a Request can be sent again: a slot that moves is ridden out here as it is for scripts
    return redirected(() -> redis.send(request).timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS), CLUSTER_RETRIES);
  }

  /** Plain commands pipelined through the same client: their answers in order, with the same timeout as a script. */
  public Future<List<Response>> batch(List<Request> requests) {
    return redis.batch(requests).timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** The fields and values of a hash, whichever protocol (RESP2 list, RESP3 map) answered. */
  public Future<java.util.Map<String, String>> hash(String key) {
    return send(Request.cmd(Command.HGETALL).arg(key)).map(HashReply::fields);
  }
}
