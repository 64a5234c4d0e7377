package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the Lua scripts with EVALSHA. When Redis says NOSCRIPT (a fresh or restarted server, a
 * Sentinel master just promoted, a Cluster master that never saw the script) the call is repeated
 * once as EVAL, which also caches the script on that server: no SCRIPT LOAD that would reach only
 * one master of a cluster. Every call fails after {@link #CALL_TIMEOUT_MS} without an answer: the
 * callers retry, and every script is safe to repeat.
 *
 * <p>With {@code waitReplicas > 0} the durable writes (lease acquire, produce, finish) are followed by
 * {@code WAIT waitReplicas waitTimeoutMs} on the same connection, so their answer comes back only
 * once that many replicas have the write (or the timeout passed, which is logged).
 *
 * <p>Floors: the message seq and the lease epoch must never go backwards, but a Sentinel failover
 * can promote a replica that missed the old master's last increments. This class remembers the
 * highest seq and epoch its process has seen in PRODUCE and ACQUIRE_LEASE answers; after any
 * failed call or NOSCRIPT (a restarted or newly promoted server), the next PRODUCE or
 * ACQUIRE_LEASE is preceded by {@link Script#RAISE_FLOORS}, which lifts the counters to those
 * floors. Ids in between are then skipped (visible as lost in the audit) instead of being handed
 * out a second time with another content.
 */
public final class Scripts {
  private static final Logger log = LoggerFactory.getLogger(Scripts.class);

  /** How long any Redis call may go unanswered before it counts as failed. */
  public static final long CALL_TIMEOUT_MS = 10_000;

  /** The writes whose loss in a failover would break fencing, gap-free ids or the audit. */
  static final Set<Script> DURABLE = EnumSet.of(Script.ACQUIRE_LEASE, Script.PRODUCE, Script.FINISH, Script.SEND,
      Script.REQUEUE_ERROR);

  /** How often a call answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN is repeated, 50 ms apart. */
  static final int CLUSTER_RETRIES = 20;

  /**
   * Redis Cluster moves a slot: a script is refused (MOVED, ASK, or TRYAGAIN while its keys are
   * split between two masters) and was not run, so repeating it is safe. The client learns the
   * new owner from the answer; the roles above never see the move.
   */
  private static Future<Response> redirected(java.util.function.Supplier<Future<Response>> call, int left) {
    return call.get().recover(failure -> {
      String m = String.valueOf(failure.getMessage());
      boolean moving = m.startsWith("MOVED") || m.startsWith("ASK") || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN")
          || m.contains("] MOVED") || m.contains("] ASK") || m.contains("] TRYAGAIN");
      if (!moving || left <= 0) {
        return Future.failedFuture(failure);
      }
      io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
      Future<Void> pause = context == null ? Future.succeededFuture()
          : context.owner().timer(50, TimeUnit.MILLISECONDS).mapEmpty();
      return pause.compose(v -> redirected(call, left - 1));
    });
  }

  /** ARGV of produce.lua before the message bodies (token, epoch, limit, queue cap, cursor from, cursor to). */
  static final int PRODUCE_FIXED_ARGS = 6;

  /** After a WAIT shortfall, how long durable writes go without WAIT before it is tried again. */
  static final long DEGRADED_MS = 5000;

  private final Redis redis;
  private final boolean floors;
  private final boolean failoverFloors;
  private final int waitReplicas;
  private final int waitTimeoutMs;
  private volatile boolean lagging;
  private volatile long degradedUntil = Long.MIN_VALUE;
  private volatile long seqFloor;
  /** Messages of produce calls that got no answer: they may have been given ids the process never saw. */
  private final java.util.concurrent.atomic.AtomicLong unansweredProduce = new java.util.concurrent.atomic.AtomicLong();
  private volatile long epochFloor;
  /** Set by any failed call: Redis may have restarted or failed over since the floors were last checked. */
  private volatile boolean seqSuspect;
  private volatile boolean epochSuspect;

  /** Plain script runner: no WAIT, no floors (one-shot commands, tests, the benchmark). */
  public Scripts(Redis redis) {
    this(redis, 0, 0, false, false);
  }

  /**
   * @param floors keep seq and epoch from going backwards (a fleet member: see the class comment)
   * @param failoverFloors count the messages of unanswered produce calls into the seq floor: right
   *     where a failover to a replica is the expected failure (Sentinel), where the old master may
   *     have given those ids out and the replica never saw them. Elsewhere (a restarted server with
   *     an append-only file) the same count would only leave gaps.
   */
  Scripts(Redis redis, int waitReplicas, int waitTimeoutMs, boolean floors, boolean failoverFloors) {
    this.floors = floors;
    this.failoverFloors = failoverFloors;
    this.redis = redis;
    this.waitReplicas = waitReplicas;
    this.waitTimeoutMs = waitTimeoutMs;
  }

  public Future<Response> run(Script script, List<String> keys, List<?> args) {
    boolean checkFloors = floors
        && ((script == Script.PRODUCE && seqSuspect) || (script == Script.ACQUIRE_LEASE && epochSuspect));
    Future<Void> before = checkFloors ? raiseFloors(keys) : Future.succeededFuture();
    Future<Response> call = before.compose(v -> redirected(() -> waitReplicas > 0 && DURABLE.contains(script)
        ? durable(script, keys, args)
        : plain(script, keys, args), CLUSTER_RETRIES));
    return call.timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onFailure(failure -> {
          suspected();
          if (failoverFloors && script == Script.PRODUCE && mayHaveBeenApplied(failure)) {
            // no answer: the ids may be handed out on a master that then died; count them into the floor
            unansweredProduce.addAndGet(Math.max(0, args.size() - PRODUCE_FIXED_ARGS));
          }
        })
        .onSuccess(answer -> remember(script, answer, checkFloors));
  }

  private void suspected() {
    seqSuspect = true;
    epochSuspect = true;
  }

  private void cleared(boolean seq) {
    if (seq) {
      seqSuspect = false;
    } else {
      epochSuspect = false;
    }
  }

  /** Notes the seq and epoch an answer shows, so they can serve as floors after a failover. */
  private void remember(Script script, Response answer, boolean firstAfterFailure) {
    try {
      if (script == Script.PRODUCE && answer != null && answer.size() >= 2) {
        long count = answer.get(0).toLong();
        long last = answer.get(1).toLong();
        if (firstAfterFailure && count > 0) {
          log.info("first produce after a Redis failure continues from id {}", last - count + 1);
        }
        seqFloor = Math.max(seqFloor, last);
      } else if (script == Script.ACQUIRE_LEASE && answer != null && answer.size() >= 2 && answer.get(0).toInteger() == 1) {
        epochFloor = Math.max(epochFloor, answer.get(1).toLong());
      }
    } catch (RuntimeException unexpectedShape) {
      // another answer format: floors are a safety net, not a reason to fail the call
    }
  }

  /** Lifts seq and epoch to this process's floors; the keys are found by name in the call's keys. */
  private Future<Void> raiseFloors(List<String> keys) {
    String seqKey = keys.stream().filter(k -> k.endsWith(":seq")).findFirst().orElse(null);
    String epochKey = keys.stream().filter(k -> k.endsWith(":epoch")).findFirst().orElse(null);
    String key = seqKey != null ? seqKey : epochKey;
    long pending = seqKey != null ? unansweredProduce.get() : 0;
    long floor = seqKey != null ? seqFloor + pending : epochFloor;
    boolean seq = seqKey != null;
    if (key == null || floor == 0) {
      cleared(seq);
      return Future.succeededFuture();
    }
    Request raise = Request.cmd(Command.EVALSHA).arg(Script.RAISE_FLOORS.sha()).arg(1).arg(key).arg(floor);
    return redis.send(raise)
        .recover(failure -> noscript(failure)
            ? redis.send(Request.cmd(Command.EVAL).arg(Script.RAISE_FLOORS.source()).arg(1).arg(key).arg(floor))
            : Future.failedFuture(failure))
        .map(r -> {
          long before = r.get(0).toLong();
          long after = r.get(1).toLong();
          if (seq) {
            unansweredProduce.addAndGet(-pending);
            seqFloor = Math.max(seqFloor, after);
          }
          if (after > before) {
            log.warn("Redis lost writes in a failover: {} went back from {} to {}; raised it again, ids/epochs in between are skipped",
                key, after, before);
          }
          cleared(seq);
          return null;
        });
  }

  /**
   * The script and a WAIT pipelined on one connection: WAIT counts that connection's writes. After
   * a shortfall (no replica, or one lagging past waitTimeoutMs) the fleet does not stall: for
   * {@link #DEGRADED_MS} the writes go without WAIT, then WAIT is tried again. Logged once each way.
   */
  private Future<Response> durable(Script script, List<String> keys, List<?> args) {
    if (System.nanoTime() < degradedUntil) {
      return plain(script, keys, args);
    }
    Request wait = Request.cmd(Command.WAIT).arg(waitReplicas).arg(waitTimeoutMs);
    return redis.batch(List.of(evalsha(script, keys, args), wait))
        .recover(failure -> noscript(failure)
            ? redis.batch(List.of(eval(script, keys, args), Request.cmd(Command.WAIT).arg(waitReplicas).arg(waitTimeoutMs)))
            : Future.failedFuture(failure))
        .map(answers -> {
          long acked = answers.get(1).toLong();
          if (acked < waitReplicas) {
            degradedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEGRADED_MS);
            if (!lagging) {
              lagging = true;
              log.warn("only {} of {} replica(s) acknowledged a write within waitTimeoutMs={}: writes go on without WAIT "
                  + "(and could be lost in a failover) until replicas acknowledge again", acked, waitReplicas, waitTimeoutMs);
            }
          } else if (lagging) {
            lagging = false;
            log.info("replicas acknowledge writes again ({} of {}): WAIT is back on", acked, waitReplicas);
          }
          return answers.get(0);
        });
  }

  private Future<Response> plain(Script script, List<String> keys, List<?> args) {
    return redis.send(evalsha(script, keys, args)).recover(failure -> {
      if (noscript(failure)) {
        // a server without our scripts is fresh: restarted, or a replica just promoted
        suspected();
        Future<Void> lifted = floors && (script == Script.PRODUCE || script == Script.ACQUIRE_LEASE)
            ? raiseFloors(keys) : Future.succeededFuture();
        return lifted.compose(v -> redis.send(eval(script, keys, args)));
      }
      return Future.failedFuture(failure);
    });
  }

  /**
   * A call that was written to a connection and then lost its answer (the connection closed or
   * reset under it, or no answer in time) may have been applied; one refused at connect time, or
   * answered with an error, was not.
   */
  private static boolean mayHaveBeenApplied(Throwable failure) {
    String m = String.valueOf(failure.getMessage());
    return m.contains("CONNECTION_CLOSED") || m.contains("Connection reset") || m.contains("Connection is closed")
        || failure instanceof java.util.concurrent.TimeoutException || failure instanceof io.vertx.core.VertxException
        && m.toLowerCase(java.util.Locale.ROOT).contains("timeout");
  }

  private static boolean noscript(Throwable failure) {
    return failure.getMessage() != null && failure.getMessage().contains("NOSCRIPT");
  }

  private static Request evalsha(Script script, List<String> keys, List<?> args) {
    return withArgs(Request.cmd(Command.EVALSHA).arg(script.sha()), keys, args);
  }

  private static Request eval(Script script, List<String> keys, List<?> args) {
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

  /** The fields and values of a hash, whichever protocol (RESP2 list, RESP3 map) answered. */
  public Future<java.util.Map<String, String>> hash(String key) {
    return send(Request.cmd(Command.HGETALL).arg(key)).map(HashReply::fields);
  }
}
