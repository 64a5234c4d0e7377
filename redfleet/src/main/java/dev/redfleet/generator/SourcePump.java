package dev.redfleet.generator;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.api.Source;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.QueueStore;
import dev.redfleet.send.Sender;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leadership run of the generator for a {@link Source}: read the committed cursor, ask the
 * source for the items after it, produce them with a compare-and-set on that cursor, go on from
 * the cursor after them. One step at a time (one source call or one produce call in flight), so
 * each batch starts from the cursor Redis holds: whatever happened before (a failover, a produce
 * whose answer was lost), the script writes a batch only if nobody wrote past its start, and an
 * item is produced once.
 */
final class SourcePump {
  private static final Logger log = LoggerFactory.getLogger(SourcePump.class);
  /** The longest cursor a source may return: it is stored in Redis and sent with every batch. */
  static final int MAX_CURSOR_CHARS = 4096;
  /** First and longest pause after a failing source call. */
  private static final long SOURCE_RETRY_FIRST_MS = 100;
  private static final long SOURCE_RETRY_MAX_MS = 5000;

  private final GeneratorVerticle host;
  private final long run;
  private final Source source;
  private final Context context;
  private final QueueStore queue;
  private final Producer producer;
  private final GeneratorVerticle.Settings settings;
  private final Leadership leadership;
  private final Sender checks;
  /** The generator's: Redis failures are paced and logged the same for every run. */
  private final Backoff redisBackoff;
  private final LogThrottle sourceLog = new LogThrottle(log);
  private long sourceRetryMs = SOURCE_RETRY_FIRST_MS;
  /** The cursor Redis holds, as far as this run knows; '' = none. Every batch starts from it. */
  private String committed = "";
  /** seq after the last answer: how many messages the limit still allows. */
  private long knownSeq;
  private final long startedAt = System.nanoTime();
  /** Messages produced in this run, for the rate. */
  private long sent;
  private long timer = -1;

  SourcePump(GeneratorVerticle host, long run, Source source, Context context, Scripts scripts, Keys keys,
      Producer producer, GeneratorVerticle.Settings settings, Leadership leadership, Backoff redisBackoff) {
    this.host = host;
    this.run = run;
    this.source = source;
    this.context = context;
    // with shards, the cursor and its batches live on shard 0
    this.producer = producer;
    this.queue = producer.firstQueue();
    this.settings = settings;
    this.leadership = leadership;
    this.redisBackoff = redisBackoff;
    this.checks = new Sender(scripts, keys, settings.maxBodyBytes(), 1);
  }

  void start() {
    readCursor();
  }

  void stop() {
    if (timer != -1) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private boolean current() {
    return host.isCurrent(run);
  }

  private void later(long delayMs, Runnable step) {
    timer = context.owner().setTimer(Math.max(1, delayMs), id -> {
      timer = -1;
      if (current()) {
        step.run();
      }
    });
  }

  /** seq and the committed cursor, read at the start of the run: the source resumes after the cursor. */
  private void readCursor() {
    queue.sourcePosition()
        .onComplete(ar -> {
          if (!current()) {
            return;
          }
          if (ar.failed()) {
            host.failed("reading the source cursor: " + Backoff.oneLine(ar.cause()));
            later(redisBackoff.failed(ar.cause()), this::readCursor);
            return;
          }
          redisBackoff.succeeded();
          QueueStore.SourcePosition position = ar.result();
          knownSeq = position.seq() == null ? 0 : parseSeq(position.seq());
          committed = position.cursor();
          log.info("source resumes {}", committed.isEmpty() ? "from its start (no cursor committed)"
              : "after the committed cursor " + shortened(committed));
          ask();
        });
  }

  private static long parseSeq(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      // produce fails on it with a clear error; the limit room is then the whole limit
      return 0;
    }
  }

  private void ask() {
    int max = (int) Math.min(settings.batchSize(), settings.queueCap());
    if (settings.limit() > 0) {
      long room = settings.limit() - knownSeq;
      if (room <= 0) {
        host.limitReached(knownSeq);
        return;
      }
      max = (int) Math.min(max, room);
    }
    if (settings.rate() > 0) {
      long due = (System.nanoTime() - startedAt) * settings.rate() / 1_000_000_000L + 1 - sent;
      if (due <= 0) {
        later(Math.max(1, 1000 / settings.rate()), this::ask);
        return;
      }
      max = (int) Math.min(max, due);
    }
    String from = committed;
    int asked = max;
    Future<SourceBatch> answer;
    try {
      answer = source.next(from.isEmpty() ? null : from, max);
      if (answer == null) {
        answer = Future.failedFuture(new IllegalStateException("next returned no future"));
      }
    } catch (Exception | LinkageError | AssertionError e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> {
      if (Vertx.currentContext() != context) {
        // a source that completed its future on a thread of its own: back to the generator's loop
        context.runOnContext(v -> answered(ar, from, asked));
      } else {
        answered(ar, from, asked);
      }
    });
  }

  private void answered(AsyncResult<SourceBatch> ar, String from, int asked) {
    if (!current() || !from.equals(committed)) {
      return;
    }
    String problem = ar.failed() ? describe(ar.cause()) : check(ar.result(), from, asked);
    if (problem != null) {
      host.failed("source: " + problem);
      if (!sourceLog.warn("source failed: " + problem + "; asking again with backoff")) {
        log.debug("source still failing: {}", problem);
      }
      long delay = sourceRetryMs;
      sourceRetryMs = Math.min(SOURCE_RETRY_MAX_MS, sourceRetryMs * 2);
      later(delay, this::ask);
      return;
    }
    sourceRetryMs = SOURCE_RETRY_FIRST_MS;
    SourceBatch batch = ar.result();
    String to = batch.cursor();
    if (batch.items().isEmpty()) {
      // an idle source is no stall: the watchdog is for a generator that cannot produce
      host.progressed();
      if (to == null || to.isEmpty() || to.equals(from)) {
        later(settings.sourcePollMs(), this::ask);
        return;
      }
    }
    produce(messages(batch.items()), committed, to);
  }

  /** Why the source's answer cannot be produced, or null. */
  private String check(SourceBatch batch, String from, int max) {
    if (batch == null) {
      return "next answered no batch";
    }
    List<SourceItem> items = batch.items();
    String to = batch.cursor();
    if (items.size() > max) {
      return "next answered " + items.size() + " items, asked for at most " + max;
    }
    if (to != null && to.length() > MAX_CURSOR_CHARS) {
      return "its cursor is " + to.length() + " characters long, at most " + MAX_CURSOR_CHARS;
    }
    if (!items.isEmpty() && (to == null || to.isEmpty())) {
      return "next answered " + items.size() + " item(s) without a cursor after them";
    }
    if (!items.isEmpty() && to.equals(from)) {
      return "next answered " + items.size() + " item(s) with the cursor it was asked from (" + shortened(from)
          + "): the cursor after them must differ";
    }
    for (int i = 0; i < items.size(); i++) {
      SourceItem item = items.get(i);
      SendOptions options = new SendOptions();
      for (Map.Entry<String, String> header : item.headers().entrySet()) {
        options.addHeader(header.getKey(), header.getValue());
      }
      String refused = checks.check(NewMessage.of(item.body(), options));
      if (refused != null) {
        return "item " + (i + 1) + " of the batch after " + (from.isEmpty() ? "the start" : "cursor " + shortened(from)) + ": " + refused;
      }
    }
    return null;
  }

  private static List<String> messages(List<SourceItem> items) {
    List<String> messages = new ArrayList<>(items.size());
    for (SourceItem item : items) {
      messages.add(Sender.tail(item.body(), null, item.headers()));
    }
    return messages;
  }

  /** The batch {@code messages} from cursor {@code from} to {@code to}: the same call again after a failure. */
  private void produce(List<String> messages, String from, String to) {
    producer.produce(from, to, messages)
        .onComplete(ar -> {
          if (!current()) {
            return;
          }
          if (ar.failed()) {
            host.failed(Backoff.oneLine(ar.cause()));
            // the call may have been applied and its answer lost: the same call again is then 'moved'
            later(redisBackoff.failed(ar.cause()), () -> produce(messages, from, to));
            return;
          }
          redisBackoff.succeeded();
          host.progressed();
          produced(ar.result(), messages, from, to);
        });
  }

  private void produced(QueueStore.Produced result, List<String> messages, String from, String to) {
    long count = result.count();
    knownSeq = result.lastId();
    String status = result.status();
    host.noteStatus(status, count);
    switch (status) {
      case "ok" -> {
        sent += count;
        committed = to;
        ask();
      }
      case "full" -> later(GeneratorVerticle.FULL_QUEUE_PAUSE_MS, () -> produce(messages, from, to));
      case "paused" -> later(GeneratorVerticle.PAUSED_POLL_MS, () -> produce(messages, from, to));
      case "moved" -> {
        committed = result.committed() == null ? "" : result.committed();
        log.info("the committed source cursor is not where this batch started: going on after {}",
            committed.isEmpty() ? "the start" : shortened(committed));
        ask();
      }
      case "limit" -> {
        if (knownSeq < settings.limit()) {
          // the batch did not fit under the limit as a whole: ask for what still fits
          ask();
        } else {
          host.limitReached(knownSeq);
        }
      }
      case "fenced" -> host.fenced();
      default -> throw new IllegalStateException("produce returned " + status);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    return e.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + message);
  }

  static String shortened(String cursor) {
    return "'" + (cursor.length() <= 100 ? cursor : cursor.substring(0, 97) + "...") + "'";
  }
}
