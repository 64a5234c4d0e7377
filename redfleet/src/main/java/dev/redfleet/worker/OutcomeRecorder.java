package dev.redfleet.worker;

import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.store.DeliveryStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a worker's outcomes in Redis in batches: one finish call is in flight at a time and
 * everything that finished meanwhile goes into the next one. Each outcome names its delivery (the
 * token of the claim that took the message and its index in that claim), never only the message
 * id, so a batch re-sent after its answer was lost cannot act on a later delivery of the same
 * message (its retry, say). Runs on its worker verticle's context.
 */
final class OutcomeRecorder {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);

  /** A claim sent in the same call as a finish batch (finish-claim.lua). */
  record Ride(int fromQueue, int least, String token) {}

  /**
   * The worker's side of a claim that rides on a finish call. When a batch goes out, the recorder
   * asks {@link #ride}: a worker with room (and no fetch under way) answers with a claim, and owns
   * it as a fetch under way until {@link #answered} or {@link #unanswered}.
   */
  interface ClaimRider {
    /** The claim to send with this finish batch, or null for a finish alone. */
    Ride ride();

    void answered(Ride ride, DeliveryStore.Claimed claimed);

    /** The call failed: the claim may have run, so the worker repeats its token. */
    void unanswered(Ride ride, Throwable cause);
  }

  /** Never rides: a finish alone, always. */
  static final ClaimRider NO_RIDE = new ClaimRider() {
    @Override
    public Ride ride() {
      return null;
    }

    @Override
    public void answered(Ride ride, DeliveryStore.Claimed claimed) {}

    @Override
    public void unanswered(Ride ride, Throwable cause) {}
  };

  private final Vertx vertx;
  private final DeliveryStore store;
  private final DeliveryStore.RetryPolicy policy;
  private final NodeMetrics metrics;
  private final Runnable onIdle;
  private final ClaimRider rider;
  private final Backoff finishBackoff = new Backoff(log, "worker finish", 100, 5000);
  /** Fields per outcome in {@link #outcomes}: claim token, index, attempt, outcome. */
  private static final int FIELDS = 4;
  /** Quadruples (claim token, index, attempt, outcome) waiting for the next finish call; outcome "" is success. */
  private ArrayList<Object> outcomes = new ArrayList<>();
  /** A finish call is outstanding, or waiting to be retried. */
  private boolean finishing;
  /**
   * Most outcomes per finish call: halved while Redis refuses a batch with a script error, so one
   * entry it cannot take is isolated instead of holding back the others; doubled back on success.
   */
  private int finishLimit = WorkerVerticle.MAX_BATCH;
  /** How long outcomes of a slow handler may wait for more to join their finish call (0: never). */
  private final LongSupplier lingerMs;
  /** The timer that sends the outcomes waiting, while they linger; -1 when none. */
  private long lingerTimer = -1;

  /**
   * @param onIdle called whenever the recorder may have become idle (nothing waiting, no call out)
   * @param rider asked, as each batch goes out, for a claim to send in the same call
   */
  OutcomeRecorder(Vertx vertx, DeliveryStore store, DeliveryStore.RetryPolicy policy, NodeMetrics metrics, Runnable onIdle,
      ClaimRider rider, LongSupplier lingerMs) {
    this.lingerMs = lingerMs;
    this.vertx = vertx;
    this.store = store;
    this.policy = policy;
    this.metrics = metrics;
    this.onIdle = onIdle;
    this.rider = rider;
  }

  /**
   * One outcome ("" = success) of the delivery {@code index} of claim {@code token}, attempt
   * {@code attempt}. It waits for {@link #flush}: the worker flushes once at the end of the
   * event-loop turn, so that everything finished in one turn (a claim's zero-delay handlers, timers
   * that fired together) goes in one call instead of the first outcome in a call of its own.
   */
  void add(String token, int index, int attempt, String outcome) {
    // numbers, not their text: the Redis client writes a number's digits straight into the request
    outcomes.add(token);
    outcomes.add(index);
    outcomes.add(attempt);
    outcomes.add(outcome);
  }

  /** Nothing waits to be recorded and no finish call is out. */
  boolean idle() {
    return outcomes.isEmpty() && !finishing;
  }

  /**
   * Sends everything finished so far in one call, unless a call is already on its way. While the
   * linger (lingerMs) is above 0, outcomes short of a whole batch first wait that long for more,
   * counted from the first flush that found no call out; once it is 0 again (the worker stops), a
   * flush sends what waits at once.
   */
  void flush() {
    if (finishing || outcomes.isEmpty()) {
      onIdle.run();
      return;
    }
    if (outcomes.size() < FIELDS * finishLimit) {
      long linger = lingerMs.getAsLong();
      if (linger > 0) {
        // a slow handler's outcomes come a few at a time, from many claims, and a call sent the
        // moment the last one returns carries few of them: each call costs Redis something of its
        // own and a read and a write per claim it names. They wait up to the linger, or until a
        // whole batch is ready, and go together (BENCHMARKS.md, "Scattered finishes")
        if (lingerTimer == -1) {
          lingerTimer = vertx.setTimer(linger, id -> {
            lingerTimer = -1;
            send();
          });
        }
        return;
      }
    }
    // a whole batch, or no linger (any more: a stopping worker's outcomes go at once)
    send();
  }

  private void send() {
    if (finishing || outcomes.isEmpty()) {
      onIdle.run();
      return;
    }
    if (lingerTimer != -1) {
      vertx.cancelTimer(lingerTimer);
      lingerTimer = -1;
    }
    List<Object> batch;
    if (outcomes.size() <= FIELDS * finishLimit) {
      batch = outcomes;
      outcomes = new ArrayList<>();
    } else {
      List<Object> head = outcomes.subList(0, FIELDS * finishLimit);
      batch = new ArrayList<>(head);
      head.clear();
    }
    finishing = true;
    int seed = ThreadLocalRandom.current().nextInt(1 << 30);
    Ride ride = rider.ride();
    Future<DeliveryStore.Finished> call;
    Promise<DeliveryStore.Claimed> claimed = Promise.promise();
    if (ride == null) {
      call = store.finish(policy, seed, batch);
    } else {
      call = store.finishAndClaim(policy, seed, batch, ride.fromQueue(), ride.least(), ride.token())
          .map(both -> {
            claimed.complete(both.claimed());
            return both.finished();
          });
    }
    call.onComplete(ar -> {
      if (ride != null && ar.failed()) {
        rider.unanswered(ride, ar.cause());
      }
      if (ar.failed()) {
        if (isolate(batch, ar.cause())) {
          finishing = false;
          flush();
          return;
        }
        // a retry is safe: the script wrote nothing, or the outcomes it recorded named deliveries
        // that are no longer in flight, so they are dropped, even where the same message is back
        // in this node's in-flight hash as a later delivery (its retry)
        outcomes.addAll(0, batch);
        vertx.setTimer(finishBackoff.failed(ar.cause()), id -> {
          finishing = false;
          flush();
        });
        return;
      }
      finishBackoff.succeeded();
      finishLimit = Math.min(WorkerVerticle.MAX_BATCH, finishLimit * 2);
      if (ride != null) {
        // while this call still counts as out, so that what the claimed messages' handlers finish
        // at once waits for the flush below and goes in one call
        rider.answered(ride, claimed.future().result());
      }
      finishing = false;
      DeliveryStore.Finished r = ar.result();
      if (metrics.enabled()) {
        metrics.outcomesRecorded(r.recorded(), failures(batch), r.dropped());
      }
      if (r.dropped() > 0) {
        log.info("{} late outcome(s) dropped: their delivery was no longer in flight here (handed to another worker, "
            + "or recorded by an earlier call whose answer was lost)", r.dropped());
      }
      if (r.duplicates() > 0) {
        log.warn("{} duplicate outcome(s): another copy of the same id was recorded first; kept in the errors list "
            + "as error=duplicate", r.duplicates());
      }
      flush();
    });
  }

  /**
   * After Redis refused a finish batch with a script error (not a connection or key problem, which
   * hits every batch alike): retries the batch in halves at once, and an outcome refused on its own
   * as {@code malformed}. One that Redis refuses even so is set aside (it stays in the in-flight
   * hash and goes back to the queue when the node leaves): it must not hold back the others.
   *
   * @return true if the batch was requeued for an immediate, smaller call
   */
  private boolean isolate(List<Object> batch, Throwable cause) {
    String text = cause.getMessage();
    boolean perEntry = text != null && text.contains("script") && !text.startsWith("OOM") && !text.startsWith("BUSY")
        && !text.startsWith("NOSCRIPT") && !text.contains("redfleet:");
    if (!perEntry) {
      return false;
    }
    int count = batch.size() / FIELDS;
    if (count > 1) {
      finishLimit = Math.max(1, count / 2);
      outcomes.addAll(0, batch);
      return true;
    }
    finishLimit = 1;
    String delivery = batch.get(0) + "#" + batch.get(1);
    if (!"malformed".equals(batch.get(3))) {
      log.warn("finish refused the outcome of delivery {} ({}); recording it as malformed", delivery, Backoff.oneLine(cause));
      outcomes.addAll(0, List.of(batch.get(0), batch.get(1), batch.get(2), "malformed"));
      return true;
    }
    log.error("finish refused delivery {} even as malformed ({}); set aside until the node leaves",
        delivery, Backoff.oneLine(cause));
    return true;
  }

  /** Failed outcomes in a batch of (token, index, attempt, outcome) quadruples, counted as finish.lua counts them. */
  private static long failures(List<Object> batch) {
    long failed = 0;
    for (int i = 3; i < batch.size(); i += FIELDS) {
      String outcome = (String) batch.get(i);
      if (!outcome.isEmpty() && !outcome.equals("malformed")) {
        failed++;
      }
    }
    return failed;
  }
}
