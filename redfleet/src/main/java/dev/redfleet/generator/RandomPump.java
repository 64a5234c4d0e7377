package dev.redfleet.generator;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One leadership run of the simulated source: random bodies, with no cursor. With an interval,
 * one message per tick; with a rate, what the rate makes due; with neither, {@link #PIPELINE}
 * batches of {@code batchSize} in flight, back to back, as fast as Redis takes them.
 */
final class RandomPump {
  /** 64 printable symbols (readable in the errors list's JSON without escapes): 6 random bits per character. */
  private static final byte[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);
  private static final int BODY_LENGTH = 16;
  /**
   * Produce calls in flight at once at interval 0: while Redis runs one, the next batch is built
   * and on the wire. Ids stay gap-free: each call takes its ids from seq inside the script.
   */
  static final int PIPELINE = 3;
  /**
   * Paced above 100 messages a second: how often what the rate makes due is produced, in one call.
   * A produce call costs Redis a fixed 20-50 us whatever it carries (ScriptCost), so 1 ms ticks at
   * 10,000/s spent a third of a Redis core on produce calls of 10; at 10 ms the calls carry 100 and
   * a message waits at most one tick longer to be produced.
   */
  static final long PACE_TICK_MS = 10;

  private final GeneratorVerticle host;
  private final long run;
  private final Vertx vertx;
  private final Producer producer;
  private final GeneratorVerticle.Settings settings;
  private final Leadership leadership;
  private final Backoff backoff;
  /** Produce calls in flight. */
  private int producing;
  /** At interval 0: a pause is scheduled (queue full, or Redis failing). */
  private boolean waiting;
  private long timer = -1;
  /** Paced: when the rate's count started (nanoTime), and the messages asked for since. */
  private long pacedFrom;
  private long paced;
  /** Paced: the fleet was paused; the count starts again when generation goes on. */
  private boolean restartPacing;
  /** Paced and paused: no produce call before this (nanoTime). */
  private long pausedUntil;

  RandomPump(GeneratorVerticle host, long run, Vertx vertx, Producer producer,
      GeneratorVerticle.Settings settings, Leadership leadership, Backoff backoff) {
    this.host = host;
    this.run = run;
    this.vertx = vertx;
    this.producer = producer;
    this.settings = settings;
    this.leadership = leadership;
    this.backoff = backoff;
  }

  void start() {
    if (settings.rate() > 0) {
      // one tick per message up to 100/s, then PACE_TICK_MS ticks carrying what is due
      long tick = settings.rate() > 100 ? PACE_TICK_MS : Math.max(1, Math.min(100, 1000 / settings.rate()));
      pacedFrom = System.nanoTime();
      timer = vertx.setPeriodic(1, tick, id -> pace());
    } else if (settings.intervalMs() > 0) {
      timer = vertx.setPeriodic(1, settings.intervalMs(), id -> {
        if (producing == 0) {
          produce(1);
        }
      });
    } else {
      fill();
    }
  }

  void stop() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Paced: produces what the rate makes due by now (the first message at once), in batches of batchSize at most. */
  private void pace() {
    if (!host.isCurrent(run) || producing >= PIPELINE) {
      return;
    }
    if (restartPacing && System.nanoTime() < pausedUntil) {
      // paused: ask again every PAUSED_POLL_MS, not every tick
      return;
    }
    if (restartPacing) {
      // the time spent paused is not owed: the rate starts again from now, without a burst
      restartPacing = false;
      pacedFrom = System.nanoTime();
      paced = 0;
    }
    long due = (System.nanoTime() - pacedFrom) * settings.rate() / 1_000_000_000L + 1 - paced;
    if (due > 0) {
      int n = (int) Math.min(due, settings.batchSize());
      paced += n;
      produce(n);
    }
  }

  /** At interval 0: keeps PIPELINE produce calls in flight. */
  private void fill() {
    while (host.isCurrent(run) && !waiting && producing < PIPELINE) {
      produce(settings.batchSize());
    }
  }

  private void produce(int count) {
    producing++;
    Future<QueueStore.Produced> call;
    try {
      // no cursor: the simulated source has no position to resume from
      call = producer.produce("", "", bodies(count));
    } catch (RuntimeException | OutOfMemoryError e) {
      // a batch that cannot even be built: the watchdog gives the lease up
      call = Future.failedFuture(new IllegalStateException("cannot build a batch of " + count + ": " + e, e));
    }
    call.onComplete(ar -> {
      if (!host.isCurrent(run)) {
        if (ar.succeeded() && "fenced".equals(ar.result().status())) {
          // sent before this run ended (a generator that froze and thawed): Redis refused it
          host.refusedAfterStop();
        }
        return;
      }
      producing--;
      if (ar.failed()) {
        host.failed(Backoff.oneLine(ar.cause()));
        long delay = backoff.failed(ar.cause());
        if (settings.continuous()) {
          later(delay);
        }
        return;
      }
      backoff.succeeded();
      host.progressed();
      produced(ar.result());
    });
  }

  private List<byte[]> bodies(int count) {
    List<byte[]> bodies = new ArrayList<>(count);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < count; i++) {
      bodies.add(randomTail(random));
    }
    return bodies;
  }

  private void produced(QueueStore.Produced result) {
    String status = result.status();
    host.noteStatus(status, result.count());
    switch (status) {
      case "ok" -> {
        if (settings.continuous()) {
          fill();
        }
      }
      case "full" -> {
        if (settings.continuous()) {
          later(GeneratorVerticle.FULL_QUEUE_PAUSE_MS);
        }
      }
      case "paused" -> {
        restartPacing = true;
        pausedUntil = System.nanoTime() + GeneratorVerticle.PAUSED_POLL_MS * 1_000_000L;
        if (settings.continuous()) {
          later(GeneratorVerticle.PAUSED_POLL_MS);
        }
      }
      case "limit" -> host.limitReached(result.lastId());
      case "fenced" -> host.fenced();
      default -> throw new IllegalStateException("produce returned " + status);
    }
  }

  private void later(long delayMs) {
    if (waiting) {
      return;
    }
    waiting = true;
    timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      timer = -1;
      waiting = false;
      fill();
    });
  }

  /**
   * The message's tail (lua/lib/entry.lua): {@code 0:} (no key, no headers) and random text, as the
   * bytes the request carries (ASCII: no String, no encoding per message).
   */
  static byte[] randomTail(ThreadLocalRandom random) {
    byte[] text = new byte[BODY_LENGTH + 2];
    text[0] = '0';
    text[1] = ':';
    long bits = random.nextLong();
    for (int i = 2; i < BODY_LENGTH + 2; i++) {
      if (i == 12) {
        // 10 characters use 60 of the 64 bits
        bits = random.nextLong();
      }
      text[i] = ALPHABET[(int) (bits & 63)];
      bits >>>= 6;
    }
    return text;
  }
}
