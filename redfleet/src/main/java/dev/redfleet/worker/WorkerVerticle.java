package dev.redfleet.worker;

import dev.redfleet.api.Handler;
import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.NodeScope;
import dev.redfleet.redis.RedisClock;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.store.DeliveryStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes messages from the reliable queue and runs the handler on each, up to {@code concurrency}
 * at a time. Three parts do the work: {@link Fetcher} takes the messages, {@link HandlerRuns} runs
 * the handler and turns each delivery into one outcome, {@link OutcomeRecorder} records the
 * outcomes; {@link DeliveryStore} is their only way to Redis. This class wires them, ends each
 * event-loop turn (its outcomes' finish call, which may carry the next claim), and starts and
 * stops them.
 *
 * <p>How messages are taken (claims of a fair share, a claim riding on a finish, BLMOVE on an empty
 * queue, the paused fleet, shards) is {@link Fetcher}'s to describe.
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);
  /** Most messages one claim or one finish call carries. */
  static final int MAX_BATCH = 1000;
  /**
   * How long a slow handler's outcomes may wait for more to join their finish call (default of
   * {@link Settings#finishLingerMs}; the setting finishLingerMs's default in config.Setting is the same).
   */
  public static final long FINISH_LINGER_MS = 10;
  /** While the fleet is paused, how often a worker asks again (default of {@link Settings#pausedPollMs}). */
  public static final long PAUSED_POLL_MS = 250;
  /**
   * The least a claim of a quick handler takes from a queue that holds that many (default of
   * {@link Settings#minClaim}; the setting minClaim's default in config.Setting is the same).
   */
  public static final int MIN_CLAIM = 32;

  /**
   * @param concurrency messages in flight at most in this verticle
   * @param blockMs how long one BLMOVE waits for a message
   * @param handlerTimeoutMs a handler that has not finished by then fails with the reason {@code timeout}
   * @param drainMs on stop, how long running handlers may take to finish
   * @param attempts a failed attempt with attempts left is retried after a backoff (1 = never)
   * @param backoffMs the first retry's delay; it doubles per attempt (with jitter) up to backoffMaxMs
   */
  /**
   * @param leaderHandles whether the worker keeps handling while its node is the elected generator
   * @param pausedPollMs while the fleet is paused, how often the worker claims again to learn it was resumed
   * @param minClaim the least a claim takes from the queue, when that many are queued and there is room,
   *     whatever its fair share (claim.lua), while the handler is quick ({@link HandlerPace}): fewer
   *     calls for short queues; 0 = the fair share alone
   * @param finishLingerMs while the handler is slow ({@link HandlerPace#slow}), how long its outcomes
   *     may wait for more to join their finish call ({@link OutcomeRecorder}); 0 = never
   */
  public record Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
      int attempts, long backoffMs, long backoffMaxMs, boolean leaderHandles, long pausedPollMs, int minClaim,
      long finishLingerMs) {
    public Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
        int attempts, long backoffMs, long backoffMaxMs, boolean leaderHandles, long pausedPollMs, int minClaim) {
      this(redis, concurrency, blockMs, handlerTimeoutMs, drainMs, attempts, backoffMs, backoffMaxMs, leaderHandles,
          pausedPollMs, minClaim, FINISH_LINGER_MS);
    }

    public Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
        int attempts, long backoffMs, long backoffMaxMs, boolean leaderHandles, long pausedPollMs) {
      this(redis, concurrency, blockMs, handlerTimeoutMs, drainMs, attempts, backoffMs, backoffMaxMs, leaderHandles,
          pausedPollMs, MIN_CLAIM);
    }

    public Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
        int attempts, long backoffMs, long backoffMaxMs, boolean leaderHandles) {
      this(redis, concurrency, blockMs, handlerTimeoutMs, drainMs, attempts, backoffMs, backoffMaxMs, leaderHandles,
          PAUSED_POLL_MS);
    }

    /** No retries. */
    public Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs) {
      this(redis, concurrency, blockMs, handlerTimeoutMs, drainMs, 1, 1000, 60_000, false);
    }

    public Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
        int attempts, long backoffMs, long backoffMaxMs) {
      this(redis, concurrency, blockMs, handlerTimeoutMs, drainMs, attempts, backoffMs, backoffMaxMs, false);
    }
  }

  private final Scripts scripts;
  private final Keys keys;
  private final Shards shards;
  private final String nodeId;
  private final Settings settings;
  /** One per shard, indexed by shard. */
  private final DeliveryStore[] stores;
  private final HandlerRuns runs;
  /** One per shard, indexed by shard. */
  private OutcomeRecorder[] recorders;
  /** Which shard this verticle serves (always 0 with one shard). */
  private final ShardChoice choice;
  private final PickupLatency latency;
  private final NodeMetrics metrics;
  private final LandingWait landing;
  /** Takes the messages: made at start, when the verticle has its Vert.x. */
  private Fetcher fetcher;

  /** This verticle's name: the prefix of its claim tokens, and its field of the bench's latency hash. */
  private final String slot = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);

  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<Object> leavingConsumer;
  private long sweepTimer = -1;
  private boolean stopping;
  /** {@link #turnEnd} is scheduled: outcomes of this event-loop turn wait for it. */
  private boolean turnEndScheduled;
  private Promise<Void> drained;

  public WorkerVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings, Handler handler) {
    this(scripts, keys, nodeId, settings, handler, new WorkerActivity(), NodeMetrics.OFF, null, 0);
  }

  /**
   * @param activity counts this verticle's work, for the node's summary line
   * @param metrics the node's metrics ({@link NodeMetrics#OFF} without an HTTP port)
   * @param clock the Redis clock estimate with which the bench's pickup latency is measured (null: not measured)
   * @param latencyReportMs how often the latency histogram is written to {@code <ns>:latency}; 0 = never
   */
  public WorkerVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings, Handler handler,
      WorkerActivity activity, NodeMetrics metrics, RedisClock clock, long latencyReportMs) {
    this(scripts, Shards.one(keys), 0, nodeId, settings, handler, activity, metrics, clock, latencyReportMs);
  }

  /** As above, over the namespace's {@code shards}, starting on shard {@code firstShard} mod N. */
  public WorkerVerticle(Scripts scripts, Shards shards, int firstShard, String nodeId, Settings settings, Handler handler,
      WorkerActivity activity, NodeMetrics metrics, RedisClock clock, long latencyReportMs) {
    this.scripts = scripts;
    this.keys = shards.fleet();
    this.shards = shards;
    this.nodeId = nodeId;
    this.settings = settings;
    this.landing = new LandingWait(settings.redis(), settings.blockMs());
    this.metrics = metrics;
    this.stores = new DeliveryStore[shards.count()];
    for (int s = 0; s < stores.length; s++) {
      stores[s] = new DeliveryStore(scripts, shards.shard(s), nodeId);
    }
    this.choice = new ShardChoice(stores, firstShard, settings.blockMs());
    this.latency = new PickupLatency(clock, latencyReportMs);
    this.runs = new HandlerRuns(handler, activity, metrics, latency, settings.handlerTimeoutMs(), this::completed);
  }

  @Override
  public Future<?> start() {
    fetcher = new Fetcher(vertx, settings, shards, stores, choice, landing, runs, metrics, slot, () -> turnEndScheduled);
    recorders = new OutcomeRecorder[stores.length];
    for (int s = 0; s < stores.length; s++) {
      recorders[s] = new OutcomeRecorder(vertx, stores[s],
          new DeliveryStore.RetryPolicy(settings.attempts(), settings.backoffMs(), settings.backoffMaxMs()), metrics,
          this::checkDrained, fetcher.rider(s), () -> runs.slow() && !stopping ? settings.finishLingerMs() : 0);
    }
    runs.bind(context);
    long sweepEvery = Math.max(10, Math.min(1000, settings.handlerTimeoutMs() / 10));
    sweepTimer = vertx.setPeriodic(sweepEvery, id -> runs.sweepTimeouts());
    latency.start(vertx, scripts, keys, nodeId, slot);
    consumer = vertx.eventBus().localConsumer(NodeScope.address(config(), Leadership.ADDRESS),
        message -> fetcher.standAside(Leadership.fromJson(message.body()).leader() && !settings.leaderHandles()));
    leavingConsumer = vertx.eventBus().localConsumer(NodeScope.address(config(), Leadership.LEAVING_ADDRESS),
        message -> fetcher.leave());
    return Future.join(consumer.completion(), leavingConsumer.completion()).onSuccess(v -> fetcher.pump());
  }

  /**
   * Stops taking messages at once, lets running handlers finish for up to {@code drainMs} and
   * records their outcomes. What is still running then stays in the in-flight hash, for the node's
   * leave (or the reaper) to return to the queue.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    fetcher.stop();
    drained = Promise.promise();
    // outcomes lingering for company go now: the drain must not wait for them, and a drain that
    // ends first would undeploy the verticle with their timer (and them) still pending
    for (OutcomeRecorder recorder : recorders) {
      recorder.flush();
    }
    // running handlers may still time out while draining: the sweep stays until the drain ends
    long drainTimer = vertx.setTimer(Math.max(1, settings.drainMs()), id -> {
      if (!runs.isEmpty()) {
        log.warn("{} message(s) still running after {} ms; they go back to the queue", runs.size(), settings.drainMs());
      }
      drained.tryComplete();
    });
    checkDrained();
    return Future.join(consumer.unregister(), leavingConsumer.unregister())
        .eventually(fetcher::closeLanding)
        .eventually(() -> drained.future())
        // a claim under way answers within the call timeout, taken or not
        .eventually(fetcher::lastClaimAnswered)
        .onComplete(ar -> {
          vertx.cancelTimer(drainTimer);
          vertx.cancelTimer(sweepTimer);
          fetcher.cancelTimers();
          latency.stop(vertx);
        });
  }

  /**
   * A delivery's one outcome: to the recorder, and room for one more message. Both wait for the
   * end of the event-loop turn, so that the outcomes of one turn share a finish call and that call
   * also carries the next claim (finish-claim), instead of a finish of one outcome, a finish of the
   * rest and a claim of its own. Nothing waits longer than the turn, but a slow handler's outcomes,
   * which may wait up to finishLingerMs in the recorder (OutcomeRecorder#flush).
   */
  private void completed(String token, int index, int attempt, String outcome) {
    recorders[fetcher.shardOf(token)].add(token, index, attempt, outcome);
    if (!turnEndScheduled) {
      turnEndScheduled = true;
      context.runOnContext(v -> turnEnd());
    }
  }

  private void turnEnd() {
    turnEndScheduled = false;
    for (OutcomeRecorder recorder : recorders) {
      recorder.flush();
    }
    fetcher.pump();
  }

  private void checkDrained() {
    if (drained == null || !runs.isEmpty()) {
      return;
    }
    for (OutcomeRecorder recorder : recorders) {
      if (!recorder.idle()) {
        return;
      }
    }
    drained.tryComplete();
  }
}
