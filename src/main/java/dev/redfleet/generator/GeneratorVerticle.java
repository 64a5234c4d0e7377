package dev.redfleet.generator;

import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates messages while this node holds the lease, as told by {@link Leadership} events. Every
 * write is the fenced {@code produce} script, so a generator that lost the lease without knowing
 * it (paused, partitioned) cannot add a single message.
 *
 * <p>With an interval, one message per tick; with interval 0, batches back to back, as fast as
 * Redis takes them. A full queue (the cap) slows generation down; the fleet-wide limit ends it.
 */
public final class GeneratorVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(GeneratorVerticle.class);
  /** 64 symbols, none of which needs escaping in JSON: 6 random bits per character. */
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final int BODY_LENGTH = 16;
  /** Pause before trying again when the queue is at its cap. */
  private static final long FULL_QUEUE_PAUSE_MS = 20;
  /** While the fleet is paused, how often a continuous generator asks again. */
  private static final long PAUSED_POLL_MS = 250;
  /**
   * Produce calls in flight at once at interval 0: while Redis runs one, the next batch is built
   * and on the wire. Ids stay gap-free: each call takes its ids from seq inside the script.
   */
  private static final int PIPELINE = 3;

  /**
   * @param intervalMs pause between messages; 0 = as fast as possible, in batches of {@code batchSize}
   * @param limit messages the whole fleet may produce, counted in Redis; 0 = unbounded
   * @param queueCap the queue never grows past this many messages
   * @param stallMs a leader whose produce calls have all failed (or not answered) for this long
   *     gives the lease up: another node may be able to produce
   * @param rate messages per second, paced (it replaces intervalMs); 0 = off
   */
  public record Settings(long intervalMs, int batchSize, long limit, long queueCap, long stallMs, long rate) {
    public Settings(long intervalMs, int batchSize, long limit, long queueCap) {
      this(intervalMs, batchSize, limit, queueCap, STALL_MS, 0);
    }

    public Settings(long intervalMs, int batchSize, long limit, long queueCap, long rate) {
      this(intervalMs, batchSize, limit, queueCap, STALL_MS, rate);
    }

    /** Batches back to back, as fast as Redis takes them. */
    boolean continuous() {
      return intervalMs == 0 && rate == 0;
    }
  }

  /**
   * Default of {@link Settings#stallMs}: longer than a Redis call may take to fail
   * ({@link dev.redfleet.redis.Scripts#CALL_TIMEOUT_MS}), so one slow answer is not a stall.
   */
  public static final long STALL_MS = 15_000;

  private final Scripts scripts;
  private final Keys keys;
  private final Settings settings;
  private final NodeMetrics metrics;
  private final Backoff backoff = new Backoff(log, "generator", 50, 2000);
  private final LogThrottle giveUpLog = new LogThrottle(log);

  private MessageConsumer<JsonObject> consumer;
  private Leadership leadership = Leadership.follower();
  /** Incremented on every start and stop, so that answers of an older run are ignored. */
  private long run;
  private boolean generating;
  /** Produce calls in flight. */
  private int producing;
  /** At interval 0: a pause is scheduled (queue full, or Redis failing). */
  private boolean waiting;
  private boolean full;
  /** The last produce call found the fleet paused. */
  private boolean fleetPaused;
  private long timer = -1;
  private long watchdog = -1;
  /** When the last produce call answered (nanoTime ms), or generation started. */
  private long lastProgressMs;
  private String lastFailure = "no produce call answered";

  public GeneratorVerticle(Scripts scripts, Keys keys, Settings settings) {
    this(scripts, keys, settings, NodeMetrics.OFF);
  }

  public GeneratorVerticle(Scripts scripts, Keys keys, Settings settings, NodeMetrics metrics) {
    this.metrics = metrics;
    this.scripts = scripts;
    this.keys = keys;
    this.settings = settings;
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
    long thisRun = ++run;
    lastProgressMs = nowMs();
    watchdog = vertx.setPeriodic(Math.max(10, settings.stallMs() / 5), id -> checkStalled(thisRun));
    log.info("generating as epoch {} ({})", change.epoch(),
        settings.rate() > 0 ? settings.rate() + " message(s) per second"
            : settings.intervalMs() > 0 ? "one message every " + settings.intervalMs() + " ms" : "as fast as possible");
    if (settings.rate() > 0) {
      // one tick per message up to 1,000/s, then 1 ms ticks carrying what is due
      long tick = Math.max(1, Math.min(100, 1000 / settings.rate()));
      long startedAt = System.nanoTime();
      long[] sent = {0};
      timer = vertx.setPeriodic(1, tick, id -> pace(thisRun, startedAt, sent));
    } else if (settings.intervalMs() > 0) {
      timer = vertx.setPeriodic(1, settings.intervalMs(), id -> {
        if (producing == 0) {
          produce(thisRun, 1);
        }
      });
    } else {
      fill(thisRun);
    }
  }

  private void stopGenerating() {
    if (generating) {
      log.info("generation stopped (epoch {})", leadership.epoch());
    }
    generating = false;
    run++;
    producing = 0;
    waiting = false;
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (watchdog != -1) {
      vertx.cancelTimer(watchdog);
      watchdog = -1;
    }
  }

  /**
   * A leader that cannot produce (every call refused, or none answering, or the batch cannot even
   * be built) must not hold the lease forever: it asks the election to give it up, and says why.
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

  /** Paced: produces what the rate makes due by now (the first message at once), in batches of batchSize at most. */
  private void pace(long thisRun, long startedAt, long[] sent) {
    if (thisRun != run || producing >= PIPELINE) {
      return;
    }
    long due = (System.nanoTime() - startedAt) * settings.rate() / 1_000_000_000L + 1 - sent[0];
    if (due > 0) {
      int n = (int) Math.min(due, settings.batchSize());
      sent[0] += n;
      produce(thisRun, n);
    }
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  /** At interval 0: keeps PIPELINE produce calls in flight. */
  private void fill(long thisRun) {
    while (generating && thisRun == run && !waiting && producing < PIPELINE) {
      produce(thisRun, settings.batchSize());
    }
  }

  private void produce(long thisRun, int count) {
    producing++;
    Future<Response> call;
    try {
      call = scripts.run(Script.PRODUCE, keys.produce(),
          arguments(count));
    } catch (RuntimeException | OutOfMemoryError e) {
      // a batch that cannot even be built: the watchdog gives the lease up
      call = Future.failedFuture(new IllegalStateException("cannot build a batch of " + count + ": " + e, e));
    }
    call.onComplete(ar -> {
      if (thisRun != run) {
        return;
      }
      producing--;
      if (ar.failed()) {
        lastFailure = Backoff.oneLine(ar.cause());
        long delay = backoff.failed(ar.cause());
        if (settings.continuous()) {
          later(thisRun, delay);
        }
        return;
      }
      backoff.succeeded();
      lastProgressMs = nowMs();
      produced(thisRun, ar.result());
    });
  }

  private List<Object> arguments(int count) {
    List<Object> args = new ArrayList<>(4 + count);
    args.add(leadership.token());
    args.add(leadership.epoch());
    args.add(settings.limit());
    args.add(settings.queueCap());
    args.add("");
    args.add("");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < count; i++) {
      args.add(randomBody(random));
    }
    return args;
  }

  private void produced(long thisRun, Response result) {
    metrics.produced(result.get(0).toLong());
    String status = result.get(2).toString();
    if (!"paused".equals(status) && fleetPaused) {
      fleetPaused = false;
      log.info("the fleet is resumed; generation goes on");
    }
    if (!"full".equals(status) && full) {
      full = false;
      log.info("queue below its cap again; generation resumes");
    }
    switch (status) {
      case "ok" -> {
        if (settings.continuous()) {
          fill(thisRun);
        }
      }
      case "full" -> {
        if (!full) {
          full = true;
          log.info("queue at its cap of {} messages; generation waits for the workers", settings.queueCap());
        }
        if (settings.continuous()) {
          later(thisRun, FULL_QUEUE_PAUSE_MS);
        }
      }
      case "paused" -> {
        if (!fleetPaused) {
          fleetPaused = true;
          log.info("the fleet is paused: generation waits for resume");
        }
        if (settings.continuous()) {
          later(thisRun, PAUSED_POLL_MS);
        }
      }
      case "limit" -> {
        log.info("the fleet has produced its limit of {} messages (last id {}); generation ends",
            settings.limit(), result.get(1).toLong());
        stopGenerating();
      }
      case "fenced" -> {
        log.warn("produce refused: epoch {} no longer holds the lease; waiting for the election",
            leadership.epoch());
        stopGenerating();
      }
      default -> throw new IllegalStateException("produce returned " + status);
    }
  }

  private void later(long thisRun, long delayMs) {
    if (waiting) {
      return;
    }
    waiting = true;
    timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      timer = -1;
      waiting = false;
      fill(thisRun);
    });
  }

  /** The message body: random text, already a JSON string literal (the alphabet needs no escaping). */
  static String randomBody(ThreadLocalRandom random) {
    char[] text = new char[BODY_LENGTH + 2];
    text[0] = '"';
    long bits = random.nextLong();
    for (int i = 1; i <= BODY_LENGTH; i++) {
      if (i == 11) {
        // 10 characters use 60 of the 64 bits
        bits = random.nextLong();
      }
      text[i] = ALPHABET[(int) (bits & 63)];
      bits >>>= 6;
    }
    text[BODY_LENGTH + 1] = '"';
    return new String(text);
  }
}
