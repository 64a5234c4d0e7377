package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The messages this process holds, as its {@link Scripts} sees them go by: claimed (claim answers)
 * and not yet finished (finish calls answered). Shared by the node's worker verticles, which run on
 * several event loops.
 *
 * <p>What it is for: after a master change, the new master may hold messages in this node's
 * in-flight record that the node no longer holds (a finish the old master acknowledged but never
 * passed on to its replica). The node is alive, so no reaper takes them, and no worker will ever
 * finish them again: {@link #requeueStranded} gives them back to the queue. While it runs, new
 * claims wait (a claim under way could otherwise look stranded); a claim repeated with the token
 * of one whose answer was lost goes on, and is waited for.
 */
public final class Holdings {
  /** How long a stranded check waits for claims under way before it goes on anyway. */
  static final long QUIET_WAIT_MS = 5000;

  /**
   * The deliveries held, by claim token: each claim's indices still held. A delivery is named
   * "token|index" only when a stranded check asks for the list; per message only a bit changes.
   */
  private final Map<String, Claim> held = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicInteger claiming = new AtomicInteger();
  /** Tokens of claims that got no answer: the worker repeats them, and they may have taken messages. */
  private final Set<String> unanswered = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Promise<Void>> gate = new AtomicReference<>();

  /** Messages held now. */
  public int size() {
    return size.get();
  }

  /**
   * One claim's deliveries still held. A claim is claimed and finished on its worker's event loop,
   * and read whole by a stranded check on another: the lock is for that reader.
   */
  private static final class Claim {
    private final BitSet indices = new BitSet();

    synchronized boolean add(int index) {
      boolean added = !indices.get(index);
      indices.set(index);
      return added;
    }

    /** Whether it was held; {@code gone[0]} becomes true when the claim holds nothing more. */
    synchronized boolean remove(int index, boolean[] gone) {
      boolean removed = indices.get(index);
      indices.clear(index);
      gone[0] = indices.isEmpty();
      return removed;
    }

    synchronized void names(String token, List<String> into) {
      for (int i = indices.nextSetBit(0); i >= 0; i = indices.nextSetBit(i + 1)) {
        into.add(token + "|" + i);
      }
    }
  }

  /** Completes when a claim with {@code token} may be sent. */
  Future<Void> beforeClaim(String token) {
    Promise<Void> closed = gate.get();
    return closed == null || unanswered.contains(token) ? Future.succeededFuture() : closed.future();
  }

  void claimStarted() {
    claiming.incrementAndGet();
  }

  void claimEnded(String token, boolean answered) {
    if (answered) {
      unanswered.remove(token);
    } else {
      unanswered.add(token);
    }
    claiming.decrementAndGet();
  }

  /**
   * A claim's answer, {claimed messages, marker, indices}: each message is held as the delivery
   * "token|index" (index k for message k of a new claim; given by the answer for a repeated token).
   */
  void claimed(List<?> args, Response answer) {
    String token = String.valueOf(args.get(3));
    Response messages = answer.get(0);
    Response indices = answer.size() > 2 ? answer.get(2) : null;
    boolean given = indices != null && indices.size() == messages.size();
    if (messages.size() == 0) {
      return;
    }
    Claim claim = held.computeIfAbsent(token, t -> new Claim());
    int added = 0;
    for (int i = 0; i < messages.size(); i++) {
      if (claim.add(given ? indices.get(i).toInteger() : i + 1)) {
        added++;
      }
    }
    size.addAndGet(added);
  }

  /**
   * A finish call that was answered: after its five fixed ARGV come quadruples (claim token,
   * indices, attempt, outcome, {@link FinishOutcomes}); each names deliveries that are no longer held.
   */
  void finished(List<?> args) {
    boolean[] gone = new boolean[1];
    FinishOutcomes.forEachDelivery(args, 5, (token, index) -> {
      Claim claim = held.get(token);
      if (claim != null && claim.remove(index, gone)) {
        size.decrementAndGet();
        if (gone[0]) {
          // a claim that is empty now gets no more indices: a repeated token's answer only names
          // what the record still holds, which is nothing this process finished
          held.remove(token, claim);
        }
      }
    });
  }

  /**
   * Gives back to the queue what the node's in-flight record holds and this process does not, by
   * {@code requeue} (the store's requeue-stranded, given the deliveries to keep), once no claim is
   * under way. Completes with the number of messages given back (0 when another check is under way).
   */
  public Future<Long> requeueStranded(Vertx vertx, Function<List<String>, Future<Long>> requeue) {
    Promise<Void> closed = Promise.promise();
    if (!gate.compareAndSet(null, closed)) {
      return Future.succeededFuture(0L);
    }
    Promise<Long> done = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(QUIET_WAIT_MS);
    whenQuiet(vertx, deadline, () -> {
      List<String> keep = new ArrayList<>();
      held.forEach((token, claim) -> claim.names(token, keep));
      requeue.apply(keep).onComplete(done);
    });
    return done.future().andThen(ar -> {
      gate.set(null);
      closed.complete();
    });
  }

  private void whenQuiet(Vertx vertx, long deadline, Runnable then) {
    if ((claiming.get() == 0 && unanswered.isEmpty()) || System.nanoTime() > deadline) {
      then.run();
    } else {
      vertx.setTimer(20, t -> whenQuiet(vertx, deadline, then));
    }
  }
}
