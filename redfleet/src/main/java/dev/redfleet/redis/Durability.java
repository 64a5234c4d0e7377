package dev.redfleet.redis;

import io.vertx.core.Future;
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
 * What a fleet member's script calls add to running them ({@link Scripts}): that a write survives
 * a failover and that ids and epochs never go backwards.
 *
 * <p>With {@code waitReplicas > 0} the durable writes (lease acquire and takeover, produce, finish,
 * send, requeue-error) are followed by {@code WAIT waitReplicas waitTimeoutMs} on the same
 * connection, so their answer comes back only once that many replicas have the write (or the
 * timeout passed, which is logged). WAIT asks only for the replicas the master has connected (the
 * floors read that every heartbeatMs), none when it has none: a WAIT that cannot succeed would only
 * stall the write for waitTimeoutMs.
 *
 * <p>With {@link Floors}, every script that hands out ids or epochs is guarded (lib/issue-guard.lua:
 * the dataset and server this process knows, and its floor), and when the guard refuses (the
 * dataset is gone or replaced, the server changed, the fleet is still raising its floors there)
 * floors.lua runs and the call is made again, within the same timeout. When the master has
 * replicas, ids and epochs are written durably whatever {@code waitReplicas} says: ids are handed
 * out only under a ceiling that a replica has acknowledged (reserve.lua raises it by {@link
 * #RESERVE_CALLS} calls' worth, then WAIT), so a promoted replica never hands out an id the old
 * master had; lease acquire and takeover wait for a replica. Every answer's ids and epochs are
 * remembered as the floors. And with {@link Holdings} it keeps what the node has claimed and not
 * finished.
 *
 * <p>A plain runner's durability (no WAIT, no floors, no holdings) only runs the call.
 */
final class Durability {
  // logged under Scripts, as before the split: operators and log filters know these lines by it
  private static final Logger log = LoggerFactory.getLogger(Scripts.class);

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

  /** After a WAIT shortfall, how long durable writes go without WAIT before it is tried again. */
  static final long DEGRADED_MS = 5000;

  private final Scripts runner;
  private final int waitReplicas;
  private final int waitTimeoutMs;
  /** Null: a plain runner (one-shot reads, tests, the benchmark): no guard. */
  private final Floors floors;
  /** Null: a runner that does not track what its process holds. */
  private final Holdings holdings;
  /** A plain runner's WAIT state; a fleet member's is its floors' (one per master). */
  private final ReplicaWait plainWait = new ReplicaWait();
  /** A call failed since the last produce: the next produce that succeeds says where it continued. */
  private volatile boolean failedSinceProduce;

  Durability(Scripts runner, int waitReplicas, int waitTimeoutMs, Floors floors, Holdings holdings) {
    this.runner = runner;
    this.waitReplicas = waitReplicas;
    this.waitTimeoutMs = waitTimeoutMs;
    this.floors = floors;
    this.holdings = holdings;
  }

  Floors floors() {
    return floors;
  }

  Holdings holdings() {
    return holdings;
  }

  /**
   * A script call of the fleet: guarded when it hands out ids or epochs, a claim tracked in the
   * holdings. A shard's call of a sharded namespace (its keys under the shard's tag) is guarded by
   * that shard's floors: its own dataset and seq, on its own master (see {@link Floors}).
   */
  Future<Response> run(Script script, List<String> keys, List<?> args) {
    Floors f = floorsOf(keys);
    if (f != null && ISSUERS.contains(script)) {
      Future<Response> issued = issue(f, script, keys, args);
      // the failover tests read where the namespace's ids continued; a shard's are its own
      return script == Script.PRODUCE && f == floors ? produced(issued) : issued;
    }
    return held(script, args, () -> call(f, script, keys, args));
  }

  /** {@code call}, for a claim tracked in the holdings: sent once the holdings let claims go, its end noted. */
  private Future<Response> held(Script script, List<?> args, java.util.function.Supplier<Future<Response>> call) {
    if (holdings != null && (script == Script.CLAIM || script == Script.FINISH_CLAIM)) {
      String token = String.valueOf(args.get(script == Script.CLAIM ? 3 : 7));
      return holdings.beforeClaim(token).compose(v -> {
        holdings.claimStarted();
        return call.get().andThen(ar -> holdings.claimEnded(token, ar.succeeded()));
      });
    }
    return call.get();
  }

  /** One call: WAIT as needed, through the runner (cluster redirects, the timeout); what the answer shows is remembered. */
  Future<Response> call(Script script, List<String> keys, List<?> args) {
    return call(floorsOf(keys), script, keys, args);
  }

  /** @param f the floors of the keys' shard (or namespace), which learn the answer's ids; null for a plain runner */
  private Future<Response> call(Floors f, Script script, List<String> keys, List<?> args) {
    int replicas = waitFor(f, script);
    return runner.call(() -> replicas > 0 ? durable(f, script, keys, args, replicas) : runner.eval(script, keys, args))
        .onSuccess(answer -> remember(f, script, args, answer))
        .onFailure(e -> failedSinceProduce |= !Scripts.refusedByGuard(e));
  }

  /**
   * The floors a fleet member's call answers to: the namespace's, or in a sharded namespace those of
   * the shard its first key is under (with one shard every key is under the namespace's tag). Null
   * for a plain runner.
   */
  private Floors floorsOf(List<String> keys) {
    if (floors == null || keys.isEmpty() || keys.get(0).startsWith(floors.keys().prefix())) {
      return floors;
    }
    String first = keys.get(0);
    int end = first.indexOf("}:");
    return first.startsWith("{") && end > 0 ? floors.shardOf(first.substring(0, end + 2)) : floors;
  }

  /** How many replicas the write of {@code script} waits for (0: no WAIT); {@code f}'s master's replicas. */
  private int waitFor(Floors f, Script script) {
    if (f != null && ALWAYS_DURABLE.contains(script) && f.replicas() > 0) {
      return Math.max(1, waitReplicas);
    }
    return waitReplicas > 0 && DURABLE.contains(script) ? waitReplicas : 0;
  }

  /** Whether ids are handed out only under a ceiling a replica of {@code f}'s master has acknowledged. */
  private boolean durableIds(Floors f) {
    return f.replicas() > 0 && System.nanoTime() >= f.replicaWait().degradedUntil;
  }

  /**
   * A guarded call of a script that hands out ids or epochs: the dataset this process knows is
   * learnt first; a refusal of the guard runs floors.lua and tries again (every {@link
   * #SETTLE_POLL_MS} while the fleet settles) until the call's timeout.
   */
  private Future<Response> issue(Floors f, Script script, List<String> keys, List<?> args) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Scripts.CALL_TIMEOUT_MS);
    Future<Void> ready = f.dataset().isEmpty() ? f.check(runner).mapEmpty() : Future.succeededFuture();
    return ready.compose(v -> issueAttempt(f, script, keys, args, deadline));
  }

  private Future<Response> issueAttempt(Floors f, Script script, List<String> keys, List<?> args, long deadline) {
    long ids = durableIds(f) ? ids(script, args) : 0;
    Future<Response> attempt = call(f, script, guarded(f, script, keys), guarded(f, script, args, ids));
    return attempt.recover(failure -> {
      if (!Scripts.refusedByGuard(failure) || System.nanoTime() > deadline) {
        return Future.failedFuture(failure);
      }
      if (EPOCHS.contains(script)) {
        // the election times its lease from when it sent the call: it tries again itself, on its
        // own schedule, rather than have the call wait here through a settle
        return f.check(runner).transform(ar -> Future.failedFuture(failure));
      }
      Future<?> first = String.valueOf(failure.getMessage()).contains("FLOORS reserve")
          ? reserve(f, Math.max(64, RESERVE_CALLS * ids))
          : f.check(runner).compose(c -> c.settled() ? Future.succeededFuture() : Scripts.pause(SETTLE_POLL_MS));
      return first.compose(v -> issueAttempt(f, script, keys, args, deadline));
    });
  }

  /** How many ids a call may hand out: its messages (a send with dedup keys may use fewer). */
  private static long ids(Script script, List<?> args) {
    return switch (script) {
      case PRODUCE -> Math.max(0, args.size() - Scripts.PRODUCE_FIXED_ARGS);
      case SEND -> Math.max(0, (args.size() - 1) / 3);
      case REQUEUE_ERROR -> 1;
      default -> 0;
    };
  }

  /**
   * Raises the ceiling of ids to seq + {@code block} (reserve.lua, guarded) and waits until a
   * replica has it: no id under it is handed out before.
   */
  private Future<Response> reserve(Floors f, long block) {
    Keys keys = f.keys();
    return call(f, Script.RESERVE, guarded(f, Script.RESERVE, keys.reserve()), guarded(f, Script.RESERVE, List.of(block), 0));
  }

  private static List<String> guarded(Floors f, Script script, List<String> keys) {
    List<String> all = new ArrayList<>(keys.size() + 2);
    all.addAll(keys);
    all.addAll(f.guardKeys(EPOCHS.contains(script)));
    return all;
  }

  private static List<Object> guarded(Floors f, Script script, Collection<?> args, long ids) {
    List<Object> all = new ArrayList<>(args.size() + 3);
    all.addAll(args);
    all.addAll(f.guardArgs(EPOCHS.contains(script), ids));
    return all;
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
  private static void sawClaimed(Floors f, Response claimed) {
    Response messages = claimed.get(0);
    for (int i = 0; i < messages.size(); i++) {
      long[] idAndEpoch = Floors.idAndEpoch(messages.get(i).toBuffer());
      f.sawId(idAndEpoch[0]);
      f.sawEpoch(idAndEpoch[1]);
    }
  }

  /**
   * Notes the ids and epochs an answer (or a finish call) shows in {@code f} (the floors of the
   * call's shard: a shard's ids are its own), and what the node claimed and finished.
   */
  private void remember(Floors f, Script script, List<?> args, Response answer) {
    if ((f == null && holdings == null) || answer == null) {
      return;
    }
    try {
      switch (script) {
        case PRODUCE -> {
          if (f != null && answer.size() >= 2) {
            f.sawId(answer.get(1).toLong());
          }
        }
        case SEND -> {
          if (f != null) {
            Response ids = answer.get(0);
            for (int i = 0; i < ids.size(); i++) {
              f.sawId(ids.get(i).toLong());
            }
          }
        }
        case REQUEUE_ERROR -> {
          if (f != null) {
            f.sawId(answer.toLong());
          }
        }
        case ACQUIRE_LEASE, LEASE_TAKEOVER -> {
          if (f != null) {
            if (answer.get(0).toInteger() == 1) {
              f.sawEpoch(answer.get(1).toLong());
            } else if (answer.get(1) != null) {
              sawToken(f, answer.get(1).toString());
            }
          }
        }
        case LEASE_ANCHOR -> {
          if (f != null && answer.get(0) != null) {
            sawToken(f, answer.get(0).toString());
          }
        }
        case CLAIM -> {
          if (holdings != null) {
            holdings.claimed(args, answer);
          }
          if (f != null) {
            sawClaimed(f, answer);
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
          if (f != null) {
            sawClaimed(f, answer.get(1));
          }
        }
        case STATUS -> {
          // the namespace's call only: a shard's status answer has no epoch or namespace seq
          if (f == floors && f != null && answer.size() > 4) {
            f.sawEpoch(answer.get(3).toLong());
            f.sawId(answer.get(4).toLong());
          }
        }
        default -> { }
      }
    } catch (RuntimeException unexpectedShape) {
      // another answer format: the floors are a safety net, not a reason to fail the call
    }
  }

  /** The epoch of a lease token "<nodeId>:<epoch>". */
  private static void sawToken(Floors f, String token) {
    int colon = token.lastIndexOf(':');
    if (colon > 0) {
      try {
        f.sawEpoch(Long.parseLong(token.substring(colon + 1)));
      } catch (NumberFormatException notALease) {
        // garbage in the leader key: acquire-lease replaces it
      }
    }
  }

  /**
   * The script and a WAIT pipelined on one connection: WAIT counts that connection's writes. A
   * fleet member's runner knows how many replicas the master has connected (floors.lua reads INFO
   * replication every heartbeatMs, on the master of the namespace's slot and on each shard's): with none connected the
   * writes go without WAIT, which could only time out (before, every {@link #DEGRADED_MS} one write
   * stalled waitTimeoutMs for nothing); with fewer than asked, WAIT asks for those connected. After
   * a shortfall of connected replicas (one lagging past waitTimeoutMs) the fleet does not stall
   * either: for {@link #DEGRADED_MS} the writes go without WAIT, then WAIT is tried again. Logged
   * once each way. Each master ({@code f}'s) is judged on its own.
   */
  private Future<Response> durable(Floors f, Script script, List<String> keys, List<?> args, int asked) {
    int connected = f == null ? -1 : f.replicas();
    int replicas = connected < 0 ? asked : Math.min(asked, connected);
    ReplicaWait wait = f == null ? plainWait : f.replicaWait();
    String master = f == null ? "the master" : f.master();
    if (replicas < asked) {
      degraded(wait, master, connected, asked);
    }
    if (replicas == 0 || System.nanoTime() < wait.degradedUntil) {
      return runner.eval(script, keys, args);
    }
    return runner.evalAndWait(script, keys, args, replicas, waitTimeoutMs)
        .map(answers -> {
          long acked = answers.get(1).toLong();
          if (acked >= replicas && replicas < asked) {
            // every connected replica has it, but fewer are connected than asked: still degraded
            return answers.get(0);
          }
          if (acked < replicas) {
            wait.degradedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEGRADED_MS);
            if (!wait.lagging) {
              wait.lagging = true;
              log.warn("only {} of {} replica(s) of {} acknowledged a write within waitTimeoutMs={}: writes there go on "
                  + "without WAIT (and could be lost in a failover) until replicas acknowledge again", acked, replicas, master,
                  waitTimeoutMs);
            }
          } else if (wait.lagging) {
            wait.lagging = false;
            log.info("replicas of {} acknowledge writes again ({} of {}): WAIT is back on", master, acked, replicas);
          }
          return answers.get(0);
        });
  }

  /** Fewer replicas connected than waitReplicas asks for: said once, until WAIT is back on. */
  private static void degraded(ReplicaWait wait, String master, int connected, int asked) {
    if (!wait.lagging) {
      wait.lagging = true;
      log.warn("{} has {} replica(s) connected, waitReplicas asks for {}: writes wait for {} "
          + "(and could be lost in a failover) until replicas are back", master, connected, asked,
          connected == 0 ? "none" : "the connected ones");
    }
  }
}
