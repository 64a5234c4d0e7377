package dev.redfleet.worker;

import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.store.DeliveryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetch side of a {@link WorkerVerticle}: takes messages for its {@link HandlerRuns}, one claim
 * or BLMOVE at a time, and hands each to the runs. Its states are what may stop it taking more
 * (stopped, standing aside while the node is the generator, leaving, the fleet paused, a fetch under
 * way) and a claim whose answer never came, which the next claim repeats, taking nothing new, to get
 * that answer. Runs on its verticle's context.
 *
 * <p>While the queue has messages, one {@code claim} call moves up to the free capacity straight
 * from the queue into the node's in-flight hash, as one delivery record under the claim's token: of
 * a short queue at most its fair share (what is queued over the nodes), so that a burst is spread,
 * but at least {@code minClaim} while the handler is quick ({@link HandlerPace}).
 * When a finish batch goes out while the worker has room and nothing is being fetched, the claim
 * rides in the same call ({@code finish-claim.lua}): at low rates, and with quick handlers, the next
 * messages then cost no call of their own (a slow handler's outcomes linger for company, and a
 * worker with room claims meanwhile in a call of its own). When a claim comes back empty the worker
 * blocks in BLMOVE (queue to the node's landing list) on its own connection, never a pooled one
 * ({@link LandingWait}), and then claims what landed.
 *
 * <p>The worker takes nothing new while its node is the generator: a message that a pending BLMOVE
 * lands meanwhile goes straight back to the head of the queue.
 *
 * <p>While the fleet is paused ({@code <ns>:paused} exists) the claim script takes nothing and
 * says so; the worker then does not block in BLMOVE but claims again every {@code pausedPollMs}
 * (one EXISTS in Redis each time) until the fleet is resumed. Running handlers finish and their
 * outcomes are recorded as usual.
 *
 * <p>In a sharded namespace (docs/DESIGN.md, "Shards") a verticle serves one shard at a time (a
 * blocking pop cannot span slots); {@link ShardChoice} decides which, and when it moves: after an
 * empty claim, an empty block timeout, or a dwell on one shard. Each shard has its own
 * {@link DeliveryStore} and {@link OutcomeRecorder}: an outcome is recorded in the shard its claim
 * came from (the shard is in the claim token), whichever shard the verticle serves by then.
 */
final class Fetcher {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);
  /** BLMOVEs refused in a row because the queue's slot moved that are repeated quietly, 50 ms apart. */
  private static final int SLOT_MOVE_RETRIES = 20;

  private final Vertx vertx;
  private final WorkerVerticle.Settings settings;
  private final Shards shards;
  /** One per shard, indexed by shard. */
  private final DeliveryStore[] stores;
  /** Which shard this verticle serves (always 0 with one shard). */
  private final ShardChoice choice;
  private final LandingWait landing;
  private final HandlerRuns runs;
  private final NodeMetrics metrics;
  /** Outcomes of this event-loop turn wait for its end, whose finish call carries the next claim. */
  private final BooleanSupplier turnEndPending;
  /** The verticle's name: the prefix of its claim tokens. */
  private final String slot;

  private final Backoff claimBackoff = new Backoff(log, "worker claim", 100, 5000);
  /** Apart from claims: a BLMOVE that fails while claims succeed (an ACL without it) must still back off. */
  private final Backoff blmoveBackoff = new Backoff(log, "worker BLMOVE", 100, 5000);
  /** BLMOVEs refused in a row because the queue's slot moved (see {@link #blockingPop}). */
  private int slotMoves;
  private long claims;
  /** The token of a claim whose answer never came: the next claim repeats it to get that answer. */
  private String unansweredClaim;
  /** The shard of {@link #unansweredClaim}: its repeat goes there, whatever shard is served meanwhile. */
  private int unansweredShard;
  /** The worker is stopping: nothing new is taken, and what a claim brings stays for the node's leave. */
  private boolean stopped;
  /** The node is leaving: take nothing new (a generator node must not start handling now). */
  private boolean leaving;
  /** This node is the generator and leaderHandles is off: it takes nothing new. */
  private boolean standingAside;
  /** The last claim found the fleet paused: no BLMOVE, claim again after pausedPollMs. */
  private boolean fleetPaused;
  /** The pending claim-again timer while the fleet is paused; -1 = none. */
  private long pausedTimer = -1;
  /** A claim or a BLMOVE is outstanding: at most one at a time. */
  private boolean fetching;
  /**
   * The last claim sent on its own (not riding on a finish): a stop waits for its answer, so that
   * it cannot land after the node's leave (its heartbeat would make the node a member again).
   */
  private Future<?> lastClaim = Future.succeededFuture();

  Fetcher(Vertx vertx, WorkerVerticle.Settings settings, Shards shards, DeliveryStore[] stores, ShardChoice choice,
      LandingWait landing, HandlerRuns runs, NodeMetrics metrics, String slot, BooleanSupplier turnEndPending) {
    this.vertx = vertx;
    this.settings = settings;
    this.shards = shards;
    this.stores = stores;
    this.choice = choice;
    this.landing = landing;
    this.runs = runs;
    this.metrics = metrics;
    this.slot = slot;
    this.turnEndPending = turnEndPending;
  }

  /** Whether the node is the generator and leaderHandles is off: it takes nothing new, or takes again. */
  void standAside(boolean aside) {
    standingAside = aside;
    if (!standingAside) {
      pump();
    }
  }

  /** The node is leaving: nothing new is taken from now on. */
  void leave() {
    leaving = true;
  }

  /** Takes nothing new from now on; what a claim under way brings stays for the node's leave. */
  void stop() {
    stopped = true;
  }

  /** Closes the worker's blocking connection (a BLMOVE under way ends with it). */
  Future<Void> closeLanding() {
    return landing.close();
  }

  /** Completes once the last claim sent on its own has answered, taken or not (within the call timeout). */
  Future<Void> lastClaimAnswered() {
    return lastClaim.transform(ar -> Future.succeededFuture());
  }

  /** Undoes what a stop leaves: the paused poll's timer. */
  void cancelTimers() {
    vertx.cancelTimer(pausedTimer);
  }

  /** Takes more messages if there is room and nothing is being fetched already. */
  void pump() {
    // while paused, finishing handlers must not each start a claim: the timer asks again
    if (stopped || fetching || pausedTimer != -1) {
      return;
    }
    if (unansweredClaim != null) {
      // its messages are this node's already, whatever the capacity or role: get them first
      claim(unansweredShard, 0);
      return;
    }
    if (standingAside || leaving) {
      return;
    }
    int free = settings.concurrency() - runs.size();
    if (free > 0) {
      if (choice.dwelt()) {
        // served this shard a while: a longer queue elsewhere gets this verticle
        move(choice.afterDwell());
        return;
      }
      claim(choice.current(), Math.min(free, WorkerVerticle.MAX_BATCH));
    }
  }

  /**
   * A new claim token: {@code <slot>:<n>}, and with shards {@code <slot>.<shard>:<n>}, so that an
   * outcome finds its shard from its token alone.
   */
  private String newToken(int onShard) {
    return shards.count() == 1 ? slot + ":" + (++claims) : slot + "." + onShard + ":" + (++claims);
  }

  /** The shard a claim token of this verticle names (see {@link #newToken}). */
  int shardOf(String token) {
    if (shards.count() == 1) {
      return 0;
    }
    int dot = token.indexOf('.');
    return Integer.parseInt(token, dot + 1, token.indexOf(':', dot), 10);
  }

  private void claim(int onShard, int fromQueue) {
    fetching = true;
    String token = unansweredClaim != null ? unansweredClaim : newToken(onShard);
    unansweredClaim = token;
    unansweredShard = onShard;
    lastClaim = stores[onShard].claim(fromQueue, least(), token).onComplete(ar -> {
      if (ar.failed()) {
        claimUnanswered(ar.cause());
      } else {
        claimAnswered(onShard, token, ar.result());
      }
    });
  }

  /**
   * The least a claim takes from the queue, whatever its fair share: minClaim while the handler is
   * quick, else none ({@link HandlerPace}: splitting a short queue over the nodes pays off only for
   * messages that take a while).
   */
  private int least() {
    return runs.quick() ? settings.minClaim() : 0;
  }

  /** The claim may have run without its answer reaching us: the retry repeats the token. */
  private void claimUnanswered(Throwable cause) {
    fetching = false;
    long delay = claimBackoff.failed(cause);
    vertx.setTimer(delay, id -> pump());
  }

  private void claimAnswered(int onShard, String token, DeliveryStore.Claimed claimed) {
    fetching = false;
    claimBackoff.succeeded();
    unansweredClaim = null;
    if (stopped) {
      // left in the in-flight hash: the node's leave returns them to the queue
      return;
    }
    notePaused(claimed.paused());
    long pickedUpAt = metrics.pickedUpAt();
    List<byte[]> messages = claimed.messages();
    // the handler sees the fleet-wide id; the shard's own id stays what the entry says
    LongUnaryOperator toGlobal = shards.count() == 1 ? null : local -> shards.globalId(onShard, local);
    for (int i = 0; i < messages.size(); i++) {
      runs.handle(messages.get(i), toGlobal, token, claimed.indices()[i], pickedUpAt);
    }
    if (!messages.isEmpty()) {
      // handlers that answered at once left outcomes for the end of this turn: their finish call
      // carries the next claim, so no claim of its own goes out now
      if (!turnEndPending.getAsBoolean()) {
        pump();
      }
    } else if (fleetPaused) {
      pausedTimer = vertx.setTimer(settings.pausedPollMs(), id -> {
        pausedTimer = -1;
        pump();
      });
    } else if (choice.sharded()) {
      lookElsewhere(onShard);
    } else {
      blockingPop();
    }
  }

  /**
   * The claim on {@code empty} took nothing: rather than block there for up to a blockMs while
   * other shards have messages waiting, serve one of those ({@link ShardChoice#afterEmptyClaim});
   * block on {@code empty} when every queue is empty or the lengths were read just now.
   */
  private void lookElsewhere(int empty) {
    fetching = true;
    choice.afterEmptyClaim(empty).onComplete(ar -> {
      fetching = false;
      if (ar.succeeded() && ar.result()) {
        pump();
      } else {
        blockingPop();
      }
    });
  }

  /**
   * The rider of the recorder of shard {@code onShard}: claims in the same call as a finish batch
   * when the worker has room and nothing is being fetched. At low rates, and with handlers that
   * take a while, a finish is then also the next claim instead of a call of its own. The BLMOVE
   * path stays for an empty queue: a ride that comes back empty blocks as a claim does.
   */
  OutcomeRecorder.ClaimRider rider(int onShard) {
    return new ClaimRider(onShard);
  }

  private final class ClaimRider implements OutcomeRecorder.ClaimRider {
    /** The shard of the recorder this rider serves: a claim rides only on a finish to the shard being served. */
    private final int onShard;

    ClaimRider(int onShard) {
      this.onShard = onShard;
    }

    @Override
    public OutcomeRecorder.Ride ride() {
      if (stopped || fetching || pausedTimer != -1 || fleetPaused || unansweredClaim != null || standingAside
          || leaving || onShard != choice.current()) {
        return null;
      }
      int free = settings.concurrency() - runs.size();
      if (free <= 0 || choice.dwelt()) {
        // a verticle that has served its shard a while looks at the others first (pump, after the flush)
        return null;
      }
      fetching = true;
      String token = newToken(onShard);
      unansweredClaim = token;
      unansweredShard = onShard;
      return new OutcomeRecorder.Ride(Math.min(free, WorkerVerticle.MAX_BATCH), least(), token);
    }

    @Override
    public void answered(OutcomeRecorder.Ride ride, DeliveryStore.Claimed claimed) {
      claimAnswered(onShard, ride.token(), claimed);
    }

    @Override
    public void unanswered(OutcomeRecorder.Ride ride, Throwable cause) {
      claimUnanswered(cause);
    }
  }

  private void notePaused(boolean paused) {
    if (paused != fleetPaused) {
      log.info(paused ? "the fleet is paused: this worker takes nothing new until it is resumed"
          : "the fleet is resumed: this worker takes messages again");
    }
    fleetPaused = paused;
  }

  /** Waits on the worker's own connection until a message lands in the node's landing list. */
  private void blockingPop() {
    if (stopped || standingAside || fleetPaused || leaving || runs.size() >= settings.concurrency()) {
      return;
    }
    fetching = true;
    int onShard = choice.current();
    landing.next(stores[onShard]).onComplete(ar -> {
      fetching = false;
      if (ar.failed()) {
        if (stopped) {
          return;
        }
        if (Scripts.slotMoving(ar.cause()) && slotMoves < SLOT_MOVE_RETRIES) {
          // the queue's slot moved to another master: BLMOVE did not run, and the wait's new
          // connection reaches the new owner. Repeated quietly, 50 ms apart, as Scripts repeats a
          // script refused so; a refusal that lasts goes to the backoff, which warns
          slotMoves++;
          vertx.setTimer(50, id -> pump());
          return;
        }
        long delay = blmoveBackoff.failed(ar.cause());
        vertx.setTimer(delay, id -> pump());
        return;
      }
      blmoveBackoff.succeeded();
      slotMoves = 0;
      if (stopped) {
        return;
      }
      if (!ar.result()) {
        if (choice.sharded()) {
          // the shard stayed empty for a whole block timeout: serve another
          move(choice.afterTimeout(onShard));
        } else {
          pump();
        }
      } else if (standingAside) {
        // this node became the generator while the pop was pending: it takes nothing new
        unland(onShard);
      } else {
        // something landed: claim it, and as many more as fit
        int room = settings.concurrency() - runs.size() - 1;
        claim(onShard, Math.max(0, Math.min(room, WorkerVerticle.MAX_BATCH)));
      }
    });
  }

  /** Serves the shard {@code choosing} settles on, then takes more. */
  private void move(Future<Void> choosing) {
    fetching = true;
    choosing.onComplete(ar -> {
      fetching = false;
      pump();
    });
  }

  private void unland(int onShard) {
    fetching = true;
    stores[onShard].unland().onComplete(ar -> {
      fetching = false;
      if (ar.failed()) {
        // left in the landing list: the next claim (or the node's leave) takes care of it
        claimBackoff.failed(ar.cause());
      }
      pump();
    });
  }
}
