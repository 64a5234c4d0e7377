package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
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
 * <p>With {@code waitReplicas > 0} the durable writes (lease acquire and takeover, produce, finish,
 * send, requeue-error) are followed by {@code WAIT waitReplicas waitTimeoutMs} on the same
 * connection, so their answer comes back only once that many replicas have the write (or the
 * timeout passed, which is logged). A fleet member's runner WAITs only for the replicas the master
 * has connected (its floors read that every heartbeatMs), none when it has none: a WAIT that cannot
 * succeed would only stall the write for waitTimeoutMs.
 *
 * <p>A fleet member's runner (made by {@link RedisConnector#scripts}) also keeps ids and epochs from
 * going backwards, with its {@link Floors}: every script that hands them out is guarded
 * (lib/issue-guard.lua: the dataset and server this process knows, and its floor), and when the
 * guard refuses (the dataset is gone or replaced, the server changed, the fleet is still raising
 * its floors there) floors.lua runs and the call is made again, within the same timeout. When the
 * master has replicas, ids and epochs are written durably whatever {@code waitReplicas} says: ids
 * are handed out only under a ceiling that a replica has acknowledged (reserve.lua raises it by
 * {@link #RESERVE_CALLS} calls' worth, then WAIT), so a promoted replica never hands out an id the
 * old master had; lease acquire and takeover wait for a replica. And it keeps the node's
 * {@link Holdings}, what it has claimed and not finished.
 */
public final class Scripts {
  private static final Logger log = LoggerFactory.getLogger(Scripts.class);

  /** How long any Redis call may go unanswered before it counts as failed. */
  public static final long CALL_TIMEOUT_MS = 10_000;

  /** The writes whose loss in a failover would break fencing, gap-free ids or the audit: WAIT as configured. */
  static final Set<Script> DURABLE = EnumSet.of(Script.ACQUIRE_LEASE, Script.LEASE_TAKEOVER, Script.PRODUCE,
      Script.FINISH, Script.FINISH_CLAIM, Script.SEND, Script.REQUEUE_ERROR);

  /** The scripts that hand out ids or epochs: guarded by the floors. */
  static final Set<Script> ISSUERS = EnumSet.of(Script.PRODUCE, Script.RESERVE, Script.SEND, Script.REQUEUE_ERROR,
      Script.ACQUIRE_LEASE, Script.LEASE_TAKEOVER);

  /** Of those, the ones that hand out epochs. */
  static final Set<Script> EPOCHS = EnumSet.of(Script.ACQUIRE_LEASE, Script.LEASE_TAKEOVER);

  /** With replicas, written durably (WAIT at least one replica) whatever waitReplicas says: rare, and what ids and epochs rest on. */
  static final Set<Script> ALWAYS_DURABLE = EnumSet.of(Script.RESERVE, Script.ACQUIRE_LEASE, Script.LEASE_TAKEOVER);

  /** A ceiling raised by reserve.lua covers this many calls of the size that asked for it (at least 64 ids). */
  static final int RESERVE_CALLS = 8;

  /** How often a call refused while the fleet settles on a new server is tried again. */
  static final long SETTLE_POLL_MS = 50;

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
      return pause(50).compose(v -> redirected(call, left - 1));
    });
  }

  /** A pause on the current Vert.x context (none outside one). */
  private static Future<Void> pause(long ms) {
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    return context == null ? Future.succeededFuture() : context.owner().timer(ms, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** ARGV of produce.lua before the message bodies (token, epoch, limit, queue cap, cursor from, cursor to). */
  static final int PRODUCE_FIXED_ARGS = 6;

  /** After a WAIT shortfall, how long durable writes go without WAIT before it is tried again. */
  static final long DEGRADED_MS = 5000;

  private final Redis redis;
  private final int waitReplicas;
  private final int waitTimeoutMs;
  /** Null: a plain runner (one-shot reads, tests, the benchmark): no guard. */
  private final Floors floors;
  /** Null: a runner that does not track what its process holds. */
  private final Holdings holdings;
  private volatile boolean lagging;
  private volatile long degradedUntil = Long.MIN_VALUE;
  /** A call failed since the last produce: the next produce that succeeds says where it continued. */
  private volatile boolean failedSinceProduce;

  /** Plain script runner: no WAIT, no floors (one-shot reads, tests, the benchmark). */
  public Scripts(Redis redis) {
    this(redis, 0, 0, null, null);
  }

  Scripts(Redis redis, int waitReplicas, int waitTimeoutMs, Floors floors, Holdings holdings) {
    this.redis = redis;
    this.waitReplicas = waitReplicas;
    this.waitTimeoutMs = waitTimeoutMs;
    this.floors = floors;
    this.holdings = holdings;
  }

  /** The floors of a fleet member's runner; null for a plain one. */
  public Floors floors() {
    return floors;
  }

  /** What the node holds, for a fleet member's runner; null for a plain one. */
  public Holdings holdings() {
    return holdings;
  }

  public Future<Response> run(Script script, List<String> keys, List<?> args) {
    if (floors != null && ISSUERS.contains(script)) {
      Future<Response> issued = issue(script, keys, args);
      return script == Script.PRODUCE ? produced(issued) : issued;
    }
    if (holdings != null && (script == Script.CLAIM || script == Script.FINISH_CLAIM)) {
      String token = String.valueOf(args.get(script == Script.CLAIM ? 3 : 7));
      return holdings.beforeClaim(token).compose(v -> {
        holdings.claimStarted();
        return call(script, keys, args).andThen(ar -> holdings.claimEnded(token, ar.succeeded()));
      });
    }
    return call(script, keys, args);
  }

  /** A script exactly as given: no guard, whatever runner this is (floors.lua itself, and tools). */
  Future<Response> plainRun(Script script, List<String> keys, List<?> args) {
    return call(script, keys, args);
  }

  /** One call: WAIT as needed, cluster redirects, the timeout; what the answer shows is remembered. */
  private Future<Response> call(Script script, List<String> keys, List<?> args) {
    int replicas = waitFor(script);
    return redirected(() -> replicas > 0 ? durable(script, keys, args, replicas) : plain(script, keys, args), CLUSTER_RETRIES)
        .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onSuccess(answer -> remember(script, args, answer))
        .onFailure(e -> failedSinceProduce |= !refusedByGuard(e));
  }

  /** How many replicas the write of {@code script} waits for (0: no WAIT). */
  private int waitFor(Script script) {
    if (floors != null && ALWAYS_DURABLE.contains(script) && floors.replicas() > 0) {
      return Math.max(1, waitReplicas);
    }
    return waitReplicas > 0 && DURABLE.contains(script) ? waitReplicas : 0;
  }

  /** Whether ids are handed out only under a ceiling a replica has acknowledged. */
  private boolean durableIds() {
    return floors.replicas() > 0 && System.nanoTime() >= degradedUntil;
  }

  /**
   * A guarded call of a script that hands out ids or epochs: the dataset this process knows is
   * learnt first; a refusal of the guard runs floors.lua and tries again (every {@link
   * #SETTLE_POLL_MS} while the fleet settles) until the call's timeout.
   */
  private Future<Response> issue(Script script, List<String> keys, List<?> args) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_TIMEOUT_MS);
    Future<Void> ready = floors.dataset().isEmpty() ? floors.check(this).mapEmpty() : Future.succeededFuture();
    return ready.compose(v -> issueAttempt(script, keys, args, deadline));
  }

  private Future<Response> issueAttempt(Script script, List<String> keys, List<?> args, long deadline) {
    long ids = durableIds() ? ids(script, args) : 0;
    Future<Response> attempt = call(script, guarded(script, keys), guarded(script, args, ids));
    return attempt.recover(failure -> {
      if (!refusedByGuard(failure) || System.nanoTime() > deadline) {
        return Future.failedFuture(failure);
      }
      if (EPOCHS.contains(script)) {
        // the election times its lease from when it sent the call: it tries again itself, on its
        // own schedule, rather than have the call wait here through a settle
        return floors.check(this).transform(ar -> Future.failedFuture(failure));
      }
      Future<?> first = String.valueOf(failure.getMessage()).contains("FLOORS reserve")
          ? reserve(Math.max(64, RESERVE_CALLS * ids))
          : floors.check(this).compose(c -> c.settled() ? Future.succeededFuture() : pause(SETTLE_POLL_MS));
      return first.compose(v -> issueAttempt(script, keys, args, deadline));
    });
  }

  /** How many ids a call may hand out: its messages (a send with dedup keys may use fewer). */
  private static long ids(Script script, List<?> args) {
    return switch (script) {
      case PRODUCE -> Math.max(0, args.size() - PRODUCE_FIXED_ARGS);
      case SEND -> Math.max(0, (args.size() - 1) / 3);
      case REQUEUE_ERROR -> 1;
      default -> 0;
    };
  }

  /**
   * Raises the ceiling of ids to seq + {@code block} (reserve.lua, guarded) and waits until a
   * replica has it: no id under it is handed out before.
   */
  private Future<Response> reserve(long block) {
    Keys keys = floors.keys();
    return call(Script.RESERVE, guarded(Script.RESERVE, keys.reserve()), guarded(Script.RESERVE, List.of(block), 0));
  }

  private List<String> guarded(Script script, List<String> keys) {
    List<String> all = new ArrayList<>(keys.size() + 2);
    all.addAll(keys);
    all.addAll(floors.guardKeys(EPOCHS.contains(script)));
    return all;
  }

  private List<Object> guarded(Script script, Collection<?> args, long ids) {
    List<Object> all = new ArrayList<>(args.size() + 3);
    all.addAll(args);
    all.addAll(floors.guardArgs(EPOCHS.contains(script), ids));
    return all;
  }

  /** Whether a call was refused by issue-guard (the floors), not failed: it is tried again once they allow. */
  public static boolean refusedByGuard(Throwable failure) {
    // a script in a batch (with WAIT) fails as "ERR [0] FLOORS ..."
    String m = String.valueOf(failure.getMessage());
    return m.startsWith("FLOORS ") || m.contains("] FLOORS ");
  }

  /**
   * Says where the first produce after a failed call continued (a Redis restart or failover: the
   * failover tests read it).
   */
  private Future<Response> produced(Future<Response> call) {
    return call.onSuccess(answer -> {
      try {
        long count = answer.get(0).toLong();
        if (failedSinceProduce && count > 0) {
          failedSinceProduce = false;
          log.info("first produce after a Redis failure continues from id {}", answer.get(1).toLong() - count + 1);
        }
      } catch (RuntimeException otherShape) {
        // only a log line
      }
    });
  }

  /** The ids and epochs of a claim's answer, {messages, ...}. */
  private void sawClaimed(Response claimed) {
    Response messages = claimed.get(0);
    for (int i = 0; i < messages.size(); i++) {
      long[] idAndEpoch = Floors.idAndEpoch(messages.get(i).toString());
      floors.sawId(idAndEpoch[0]);
      floors.sawEpoch(idAndEpoch[1]);
    }
  }

  /** Notes the ids and epochs an answer (or a finish call) shows, and what the node claimed and finished. */
  private void remember(Script script, List<?> args, Response answer) {
    if ((floors == null && holdings == null) || answer == null) {
      return;
    }
    try {
      switch (script) {
        case PRODUCE -> {
          if (floors != null && answer.size() >= 2) {
            floors.sawId(answer.get(1).toLong());
          }
        }
        case SEND -> {
          if (floors != null) {
            Response ids = answer.get(0);
            for (int i = 0; i < ids.size(); i++) {
              floors.sawId(ids.get(i).toLong());
            }
          }
        }
        case REQUEUE_ERROR -> {
          if (floors != null) {
            floors.sawId(answer.toLong());
          }
        }
        case ACQUIRE_LEASE, LEASE_TAKEOVER -> {
          if (floors != null) {
            if (answer.get(0).toInteger() == 1) {
              floors.sawEpoch(answer.get(1).toLong());
            } else if (answer.get(1) != null) {
              sawToken(answer.get(1).toString());
            }
          }
        }
        case LEASE_ANCHOR -> {
          if (floors != null && answer.get(0) != null) {
            sawToken(answer.get(0).toString());
          }
        }
        case CLAIM -> {
          if (holdings != null) {
            holdings.claimed(args, answer);
          }
          if (floors != null) {
            sawClaimed(answer);
          }
        }
        case FINISH -> {
          // the ids were seen in the claim answers already (floors)
          if (holdings != null) {
            holdings.finished(args);
          }
        }
        case FINISH_CLAIM -> {
          // {finished, claimed}: the outcomes from the ninth argument on, the claim under the eighth
          if (holdings != null) {
            holdings.finished(args.subList(3, args.size()));
            holdings.claimed(args.subList(4, 8), answer.get(1));
          }
          if (floors != null) {
            sawClaimed(answer.get(1));
          }
        }
        case STATUS -> {
          if (floors != null) {
            floors.sawEpoch(answer.get(3).toLong());
            floors.sawId(answer.get(4).toLong());
          }
        }
        default -> { }
      }
    } catch (RuntimeException unexpectedShape) {
      // another answer format: the floors are a safety net, not a reason to fail the call
    }
  }

  /** The epoch of a lease token "<nodeId>:<epoch>". */
  private void sawToken(String token) {
    int colon = token.lastIndexOf(':');
    if (colon > 0) {
      try {
        floors.sawEpoch(Long.parseLong(token.substring(colon + 1)));
      } catch (NumberFormatException notALease) {
        // garbage in the leader key: acquire-lease replaces it
      }
    }
  }

  /**
   * The script and a WAIT pipelined on one connection: WAIT counts that connection's writes. A
   * fleet member's runner knows how many replicas the master has connected (floors.lua reads INFO
   * replication every heartbeatMs, on the master of the namespace's slot): with none connected the
   * writes go without WAIT, which could only time out (before, every {@link #DEGRADED_MS} one write
   * stalled waitTimeoutMs for nothing); with fewer than asked, WAIT asks for those connected. After
   * a shortfall of connected replicas (one lagging past waitTimeoutMs) the fleet does not stall
   * either: for {@link #DEGRADED_MS} the writes go without WAIT, then WAIT is tried again. Logged
   * once each way.
   */
  private Future<Response> durable(Script script, List<String> keys, List<?> args, int asked) {
    int connected = floors == null ? -1 : floors.replicas();
    int replicas = connected < 0 ? asked : Math.min(asked, connected);
    if (replicas < asked) {
      degraded(connected, asked);
    }
    if (replicas == 0 || System.nanoTime() < degradedUntil) {
      return plain(script, keys, args);
    }
    Request wait = Request.cmd(Command.WAIT).arg(replicas).arg(waitTimeoutMs);
    return redis.batch(List.of(evalsha(script, keys, args), wait))
        .recover(failure -> noscript(failure)
            ? redis.batch(List.of(eval(script, keys, args), Request.cmd(Command.WAIT).arg(replicas).arg(waitTimeoutMs)))
            : Future.failedFuture(failure))
        .map(answers -> {
          long acked = answers.get(1).toLong();
          if (acked >= replicas && replicas < asked) {
            // every connected replica has it, but fewer are connected than asked: still degraded
            return answers.get(0);
          }
          if (acked < replicas) {
            degradedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEGRADED_MS);
            if (!lagging) {
              lagging = true;
              log.warn("only {} of {} replica(s) acknowledged a write within waitTimeoutMs={}: writes go on without WAIT "
                  + "(and could be lost in a failover) until replicas acknowledge again", acked, replicas, waitTimeoutMs);
            }
          } else if (lagging) {
            lagging = false;
            log.info("replicas acknowledge writes again ({} of {}): WAIT is back on", acked, replicas);
          }
          return answers.get(0);
        });
  }

  /** Fewer replicas connected than waitReplicas asks for: said once, until WAIT is back on. */
  private void degraded(int connected, int asked) {
    if (!lagging) {
      lagging = true;
      log.warn("the master has {} replica(s) connected, waitReplicas asks for {}: writes wait for {} "
          + "(and could be lost in a failover) until replicas are back", connected, asked,
          connected == 0 ? "none" : "the connected ones");
    }
  }

  private Future<Response> plain(Script script, List<String> keys, List<?> args) {
    // NOSCRIPT: a server without our scripts (restarted, a replica just promoted, another cluster master)
    return redis.send(evalsha(script, keys, args)).recover(failure -> noscript(failure)
        ? redis.send(eval(script, keys, args)) : Future.failedFuture(failure));
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
