package dev.redfleet.generator;

import dev.redfleet.api.Source;
import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates messages while this node holds the lease, as told by {@link Leadership} events. Every
 * write is the fenced {@code produce} script, so a generator that lost the lease without knowing
 * it (paused, partitioned) cannot add a single message.
 *
 * <p>What it emits: without a {@link Source}, random bodies (the simulated source,
 * {@link RandomPump}): one message per interval, or batches back to back at interval 0. With a
 * source, what the source gives, batch by batch from the committed cursor ({@link SourcePump}),
 * paced by {@code rate} if set. A full queue (the cap) slows generation down; the fleet-wide limit
 * ends it. A leader that cannot produce for {@code stallMs} gives the lease up.
 */
public final class GeneratorVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(GeneratorVerticle.class);
  /** Pause before trying again when the queue is at its cap. */
  static final long FULL_QUEUE_PAUSE_MS = 20;
  /** While the fleet is paused, how often a continuous generator asks again. */
  static final long PAUSED_POLL_MS = 250;

  /**
   * @param intervalMs pause between messages of the simulated source; 0 = as fast as possible, in
   *     batches of {@code batchSize}
   * @param batchSize messages per produce call at most
   * @param limit messages the whole fleet may produce, counted in Redis; 0 = unbounded
   * @param queueCap the queue never grows past this many messages
   * @param stallMs a leader whose produce calls have all failed (or not answered) for this long
   *     gives the lease up: another node may be able to produce
   * @param rate messages per second, paced (it replaces intervalMs); 0 = off
   * @param sourcePollMs with a source: the pause before asking again after an empty batch
   * @param maxBodyBytes with a source: the largest body an item may have
   */
  public record Settings(long intervalMs, int batchSize, long limit, long queueCap, long stallMs, long rate,
      long sourcePollMs, long maxBodyBytes) {
    /** Batches back to back, as fast as Redis takes them. */
    boolean continuous() {
      return intervalMs == 0 && rate == 0;
    }
  }

  private final Scripts scripts;
  private final Keys keys;
  private final Shards shards;
  private final Settings settings;
  private final NodeMetrics metrics;
  /** Null: the simulated source (random bodies). */
  private final Source source;
  /** For reading the committed cursor; null without a source. */
  private final Backoff backoff = new Backoff(log, "generator", 50, 2000);
  private final LogThrottle giveUpLog = new LogThrottle(log);

  private MessageConsumer<JsonObject> consumer;
  private Leadership leadership = Leadership.follower();
  /** Incremented on every start and stop, so that answers of an older run are ignored. */
  private long run;
  private boolean generating;
  private RandomPump randomPump;
  private SourcePump sourcePump;
  private boolean full;
  /** The last produce call found the fleet paused. */
  private boolean fleetPaused;
  private long watchdog = -1;
  /** When the last produce call answered (nanoTime ms), or generation started. */
  private long lastProgressMs;
  private String lastFailure = "no produce call answered";
  /** A refused call of an ended run was logged (reset when a run starts). */
  private boolean refusedLateLogged;

  /** A generator that emits what {@code source} gives (null: random bodies, the simulated source). */
  public GeneratorVerticle(Scripts scripts, Keys keys, Settings settings, NodeMetrics metrics, Source source) {
    this(scripts, Shards.one(keys), settings, metrics, source);
  }

  /** As above, over the namespace's {@code shards}. */
  public GeneratorVerticle(Scripts scripts, Shards shards, Settings settings, NodeMetrics metrics, Source source) {
    this.metrics = metrics;
    this.scripts = scripts;
    this.keys = shards.fleet();
    this.shards = shards;
    this.settings = settings;
    this.source = source;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS),
        message -> onLeadership(Leadership.fromJson(message.body())));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopGenerating();
    return consumer.unregister();
  }

  private void onLeadership(Leadership change) {
    if (change.leader()) {
      startGenerating(change);
    } else {
      stopGenerating();
    }
  }

  private void startGenerating(Leadership change) {
    stopGenerating();
    leadership = change;
    generating = true;
    refusedLateLogged = false;
    long thisRun = ++run;
    lastProgressMs = nowMs();
    watchdog = vertx.setPeriodic(Math.max(10, settings.stallMs() / 5), id -> checkStalled(thisRun));
    Producer producer = new Producer(scripts, shards, change, settings.limit(), settings.queueCap(), source != null);
    if (!producer.sharded()) {
      startPump(change, thisRun, producer);
      return;
    }
    // a sharded namespace: every shard's fence raised to this epoch before the first write
    // anywhere, so that a stale generator is refused on every shard from now on
    raiseFences(change, thisRun, producer);
  }

  private void raiseFences(Leadership change, long thisRun, Producer producer) {
    producer.raiseFences().onComplete(ar -> {
      if (!isCurrent(thisRun)) {
        return;
      }
      if (ar.failed()) {
        failed("raising the shards' fences: " + Backoff.oneLine(ar.cause()));
        vertx.setTimer(backoff.failed(ar.cause()), id -> {
          if (isCurrent(thisRun)) {
            raiseFences(change, thisRun, producer);
          }
        });
        return;
      }
      backoff.succeeded();
      if (!ar.result()) {
        fenced();
        return;
      }
      progressed();
      startPump(change, thisRun, producer);
    });
  }

  private void startPump(Leadership change, long thisRun, Producer producer) {
    if (source != null) {
      log.info("generating as epoch {} from the source ({})", change.epoch(),
          settings.rate() > 0 ? "at most " + settings.rate() + " message(s) per second" : "as fast as it gives items");
      sourcePump = new SourcePump(this, thisRun, source, context, scripts, keys, producer, settings, change, backoff);
      sourcePump.start();
    } else {
      log.info("generating as epoch {} ({})", change.epoch(),
          settings.rate() > 0 ? settings.rate() + " message(s) per second"
              : settings.intervalMs() > 0 ? "one message every " + settings.intervalMs() + " ms" : "as fast as possible");
      randomPump = new RandomPump(this, thisRun, vertx, producer, settings, change, backoff);
      randomPump.start();
    }
  }

  private void stopGenerating() {
    if (generating) {
      log.info("generation stopped (epoch {})", leadership.epoch());
    }
    generating = false;
    run++;
    if (randomPump != null) {
      randomPump.stop();
      randomPump = null;
    }
    if (sourcePump != null) {
      sourcePump.stop();
      sourcePump = null;
    }
    if (watchdog != -1) {
      vertx.cancelTimer(watchdog);
      watchdog = -1;
    }
  }

  /**
   * A leader that cannot produce (every call refused, or none answering, or the batch cannot even
   * be built, or its source failing) must not hold the lease forever: it asks the election to give
   * it up, and says why.
   */
  private void checkStalled(long thisRun) {
    if (thisRun != run || !generating) {
      return;
    }
    long stalledMs = nowMs() - lastProgressMs;
    if (stalledMs < settings.stallMs()) {
      return;
    }
    giveUpLog.warn("generator cannot produce (" + lastFailure + ") for " + stalledMs / 1000
        + " s; giving the lease up so that another node can generate");
    long epoch = leadership.epoch();
    stopGenerating();
    vertx.eventBus().publish(dev.redfleet.redis.NodeScope.address(config(), Leadership.GIVE_UP_ADDRESS), new JsonObject().put("epoch", epoch).put("reason", lastFailure));
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  // what the pumps report

  /** Whether the pump of {@code thisRun} is still the one generating. */
  boolean isCurrent(long thisRun) {
    return generating && thisRun == run;
  }

  /** A produce call answered, or the source answered that it has nothing now: not a stall. */
  void progressed() {
    lastProgressMs = nowMs();
  }

  /** Why the last call failed, for the give-up line. */
  void failed(String reason) {
    lastFailure = reason;
  }

  /** A produce answer: counts what it produced; logs when the queue fills or drains, and pause and resume, once each way. */
  void noteStatus(String status, long produced) {
    metrics.produced(produced);
    if (fleetPaused != "paused".equals(status)) {
      fleetPaused = !fleetPaused;
      log.info(fleetPaused ? "the fleet is paused: generation waits for resume" : "the fleet is resumed; generation goes on");
    }
    if (full != "full".equals(status)) {
      full = !full;
      if (full) {
        log.info("queue at its cap of {} messages; generation waits for the workers", settings.queueCap());
      } else {
        log.info("queue below its cap again; generation resumes");
      }
    }
  }

  void limitReached(long lastId) {
    log.info("the fleet has produced its limit of {} messages (last id {}); generation ends", settings.limit(), lastId);
    stopGenerating();
  }

  /** A produce call of an ended run was refused as fenced: said once per run, so that a thawed generator's refusals show. */
  void refusedAfterStop() {
    if (!refusedLateLogged) {
      refusedLateLogged = true;
      log.warn("produce refused after generation stopped: epoch {} no longer holds the lease (or a shard's fence is above it)",
          leadership.epoch());
    }
  }

  void fenced() {
    log.warn("produce refused: epoch {} no longer holds the lease; waiting for the election", leadership.epoch());
    stopGenerating();
  }
}
