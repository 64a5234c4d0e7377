package dev.redfleet.worker;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerFailure;
import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.LatencyHistogram;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.RedisClock;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes messages from the reliable queue and runs the handler on each, up to {@code concurrency}
 * at a time.
 *
 * <p>While the queue has messages, one {@code claim} call moves up to the free capacity straight
 * from the queue into the node's in-flight hash. When a claim comes back empty the worker blocks
 * in BLMOVE (queue to the node's landing list) on its own connection, never a pooled one, and then
 * claims what landed. Finished messages are recorded in batches by {@code finish}: one call is in
 * flight at a time and everything that finished meanwhile goes into the next one. Each outcome
 * names its delivery (the message id and the token of the claim that took it), so a finish re-sent
 * after its answer was lost cannot act on a later delivery of the same message (its retry, say).
 *
 * <p>The worker takes nothing new while its node is the generator: a message that a pending BLMOVE
 * lands meanwhile goes straight back to the head of the queue.
 *
 * <p>While the fleet is paused ({@code <ns>:paused} exists) the claim script takes nothing and
 * says so; the worker then does not block in BLMOVE but claims again every {@code pausedPollMs}
 * (one EXISTS in Redis each time) until the fleet is resumed. Running handlers finish and their
 * outcomes are recorded as usual.
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);
  /** Most messages one claim or one finish call carries. */
  static final int MAX_BATCH = 1000;
  /** While the fleet is paused, how often a worker asks again (default of {@link Settings#pausedPollMs}). */
  public static final long PAUSED_POLL_MS = 250;
  private static final int MAX_REASON_LENGTH = 200;

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
   */
  public record Settings(RedisConnector redis, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs,
      int attempts, long backoffMs, long backoffMaxMs, boolean leaderHandles, long pausedPollMs) {
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
  private final String nodeId;
  private final Settings settings;
  private final Handler handler;
  private final WorkerActivity activity;
  private final NodeMetrics metrics;
  private final List<String> claimKeys;
  private final List<String> finishKeys;
  private final Backoff claimBackoff = new Backoff(log, "worker claim", 100, 5000);
  /** Apart from claims: a BLMOVE that fails while claims succeed (an ACL without it) must still back off. */
  private final Backoff blmoveBackoff = new Backoff(log, "worker BLMOVE", 100, 5000);
  private final Backoff finishBackoff = new Backoff(log, "worker finish", 100, 5000);
  /** Fatal VM errors thrown by handlers: the first logged, then one line a minute with the count. */
  private final LogThrottle fatalThrottle = new LogThrottle(log);

  /** This verticle's slot in the node's claims hash. */
  private final String slot = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
  private long claims;
  /** The token of a claim whose answer never came: the next claim repeats it to get that answer. */
  private String unansweredClaim;

  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<Object> leavingConsumer;
  /** The node is leaving: take nothing new (a generator node must not start handling now). */
  private boolean leaving;
  private Redis blockingClient;
  private RedisConnection blockingConnection;

  /** Messages whose handler is running: id -> its delivery, oldest first. */
  private final LinkedHashMap<String, Delivery> running = new LinkedHashMap<>();
  private long sweepTimer = -1;
  /** This node is the generator and leaderHandles is off: it takes nothing new. */
  private boolean standingAside;
  /** The last claim found the fleet paused: no BLMOVE, claim again after pausedPollMs. */
  private boolean fleetPaused;
  /** The pending claim-again timer while the fleet is paused; -1 = none. */
  private long pausedTimer = -1;
  private boolean stopping;
  /** A claim or a BLMOVE is outstanding: at most one at a time. */
  private boolean fetching;
  /** A finish call is outstanding, or waiting to be retried. */
  private boolean finishing;
  /** Triples (id, claim token, outcome) waiting for the next finish call; outcome "" is success. */
  private ArrayList<String> outcomes = new ArrayList<>();
  /**
   * Most outcomes per finish call: halved while Redis refuses a batch with a script error, so one
   * entry it cannot take is isolated instead of holding back the others; doubled back on success.
   */
  private int finishLimit = MAX_BATCH;
  private Promise<Void> drained;
  /** Pickup latency (produce to handler start, Redis clock), when a clock is given. */
  private final RedisClock clock;
  private final LatencyHistogram latency = new LatencyHistogram();
  private final long latencyReportMs;
  private long latencyTimer = -1;
  /** Only messages produced at or after this Redis time (ms) are measured; set by the bench after its warm-up. */
  private long measureFrom = Long.MAX_VALUE;

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
    this.activity = activity;
    this.metrics = metrics;
    this.clock = clock;
    this.latencyReportMs = clock == null ? 0 : latencyReportMs;
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.settings = settings;
    this.handler = handler;
    this.claimKeys = keys.claim(nodeId);
    this.finishKeys = keys.finish(nodeId);
  }

  @Override
  public Future<?> start() {
    long sweepEvery = Math.max(10, Math.min(1000, settings.handlerTimeoutMs() / 10));
    sweepTimer = vertx.setPeriodic(sweepEvery, id -> sweepTimeouts());
    if (latencyReportMs > 0) {
      latencyTimer = vertx.setPeriodic(latencyReportMs, id -> reportLatency());
    }
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS),
        message -> standAside(Leadership.fromJson(message.body()).leader()));
    leavingConsumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.LEAVING_ADDRESS),
        message -> leaving = true);
    return Future.join(consumer.completion(), leavingConsumer.completion()).onSuccess(v -> pump());
  }

  /**
   * Stops taking messages at once, lets running handlers finish for up to {@code drainMs} and
   * records their outcomes. What is still running then stays in the in-flight hash, for the node's
   * leave (or the reaper) to return to the queue.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    drained = Promise.promise();
    // running handlers may still time out while draining: the sweep stays until the drain ends
    long drainTimer = vertx.setTimer(Math.max(1, settings.drainMs()), id -> {
      if (!running.isEmpty()) {
        log.warn("{} message(s) still running after {} ms; they go back to the queue", running.size(), settings.drainMs());
      }
      drained.tryComplete();
    });
    checkDrained();
    return Future.join(consumer.unregister(), leavingConsumer.unregister())
        .eventually(this::closeBlockingClient)
        .eventually(() -> drained.future())
        .onComplete(ar -> {
          vertx.cancelTimer(drainTimer);
          vertx.cancelTimer(sweepTimer);
          vertx.cancelTimer(pausedTimer);
          if (latencyTimer != -1) {
            vertx.cancelTimer(latencyTimer);
          }
        });
  }

  private void standAside(boolean leader) {
    standingAside = leader && !settings.leaderHandles();
    if (!standingAside) {
      pump();
    }
  }

  /** Takes more messages if there is room and nothing is being fetched already. */
  private void pump() {
    // while paused, finishing handlers must not each start a claim: the timer asks again
    if (stopping || fetching || pausedTimer != -1) {
      return;
    }
    if (unansweredClaim != null) {
      // its messages are this node's already, whatever the capacity or role: get them first
      claim(0);
      return;
    }
    if (standingAside || leaving) {
      return;
    }
    int free = settings.concurrency() - running.size();
    if (free > 0) {
      claim(Math.min(free, MAX_BATCH));
    }
  }

  private void claim(int fromQueue) {
    fetching = true;
    String token = unansweredClaim != null ? unansweredClaim : slot + ":" + (++claims);
    unansweredClaim = token;
    scripts.run(Script.CLAIM, claimKeys, List.of(nodeId, fromQueue, slot, token)).onComplete(ar -> {
      fetching = false;
      if (ar.failed()) {
        // the claim may have run without its answer reaching us: the retry repeats the token
        long delay = claimBackoff.failed(ar.cause());
        vertx.setTimer(delay, id -> pump());
        return;
      }
      claimBackoff.succeeded();
      unansweredClaim = null;
      Response claimed = ar.result().get(0);
      if (stopping) {
        // left in the in-flight hash: the node's leave returns them to the queue
        return;
      }
      Response odd = ar.result().get(1);
      notePaused(odd.size() == 1 && "paused".equals(odd.get(0).toString()));
      Map<Integer, String> oddIds = fleetPaused ? Map.of() : oddIds(odd);
      long pickedUpAt = metrics.pickedUpAt();
      for (int i = 0; i < claimed.size(); i++) {
        String raw = claimed.get(i).toString();
        String id = oddIds.isEmpty() ? Message.canonicalId(raw) : oddIds.getOrDefault(i + 1, Message.canonicalId(raw));
        handle(id, token, raw, pickedUpAt);
      }
      if (claimed.size() > 0) {
        pump();
      } else if (fleetPaused) {
        pausedTimer = vertx.setTimer(settings.pausedPollMs(), id -> {
          pausedTimer = -1;
          pump();
        });
      } else {
        blockingPop();
      }
    });
  }

  private void notePaused(boolean paused) {
    if (paused != fleetPaused) {
      log.info(paused ? "the fleet is paused: this worker takes nothing new until it is resumed"
          : "the fleet is resumed: this worker takes messages again");
    }
    fleetPaused = paused;
  }

  /** Position (1-based) -> id, for claimed messages whose id is not in the leading {"id":N, prefix. */
  private static Map<Integer, String> oddIds(Response odd) {
    if (odd == null || odd.size() == 0) {
      return Map.of();
    }
    Map<Integer, String> ids = new HashMap<>();
    for (int i = 0; i + 1 < odd.size(); i += 2) {
      ids.put(odd.get(i).toInteger(), odd.get(i + 1).toString());
    }
    return ids;
  }

  /** Waits on the worker's own connection until a message lands in the node's landing list. */
  private void blockingPop() {
    if (stopping || standingAside || fleetPaused || leaving || running.size() >= settings.concurrency()) {
      return;
    }
    fetching = true;
    Request blmove = Request.cmd(Command.BLMOVE).arg(keys.queue()).arg(keys.landing(nodeId))
        .arg("RIGHT").arg("LEFT").arg(String.format(Locale.ROOT, "%.3f", settings.blockMs() / 1000.0));
    blockingConnection()
        .compose(connection -> connection.send(blmove))
        // whatever was moved is safe in the landing list; an answer that never comes must not
        // hold this worker forever
        .timeout(settings.blockMs() + Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          fetching = false;
          if (ar.failed()) {
            closeBlockingClient();
            if (!stopping) {
              long delay = blmoveBackoff.failed(ar.cause());
              vertx.setTimer(delay, id -> pump());
            }
            return;
          }
          blmoveBackoff.succeeded();
          if (stopping) {
            return;
          }
          if (ar.result() == null) {
            pump();
          } else if (standingAside) {
            // this node became the generator while the pop was pending: it takes nothing new
            unland();
          } else {
            // something landed: claim it, and as many more as fit
            int room = settings.concurrency() - running.size() - 1;
            claim(Math.max(0, Math.min(room, MAX_BATCH)));
          }
        });
  }

  private void unland() {
    fetching = true;
    scripts.run(Script.UNLAND, List.of(keys.landing(nodeId), keys.queue()), List.of()).onComplete(ar -> {
      fetching = false;
      if (ar.failed()) {
        // left in the landing list: the next claim (or the node's leave) takes care of it
        claimBackoff.failed(ar.cause());
      }
      pump();
    });
  }

  private Future<RedisConnection> blockingConnection() {
    if (blockingConnection != null) {
      return Future.succeededFuture(blockingConnection);
    }
    if (blockingClient == null) {
      blockingClient = settings.redis().dedicated();
    }
    return blockingClient.connect()
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onSuccess(connection -> {
          blockingConnection = connection;
          connection.exceptionHandler(e -> log.debug("blocking connection: {}", Backoff.oneLine(e)));
        });
  }

  /**
   * Closes the blocking connection and its client (which also cancels a BLMOVE pending on the
   * server). After a failure the next pop starts from a new client, never from a connection or pool
   * that may be broken.
   */
  private Future<Void> closeBlockingClient() {
    Redis client = blockingClient;
    blockingClient = null;
    blockingConnection = null;
    return client == null ? Future.succeededFuture() : client.close().recover(e -> Future.succeededFuture());
  }

  /**
   * One delivery of a message to this worker: the token of the claim that took it (finish acts only
   * on the in-flight entry held under that token) and when its handler started. Compared by
   * identity: an answer counts only while its own delivery is the one running.
   */
  private static final class Delivery {
    final String token;
    final long started;

    Delivery(String token, long started) {
      this.token = token;
      this.started = started;
    }
  }

  /**
   * Starts the handler on one claimed message. Whatever the handler (or the parse) throws, an
   * {@code OutOfMemoryError} included, this message gets an outcome and the caller's loop goes on to
   * the rest of the claim: a fatal error that escaped here used to leave the rest of the claimed
   * batch in the in-flight hash of a worker that stayed healthy, so nothing ever requeued it.
   */
  private void handle(String id, String token, String raw, long pickedUpAt) {
    activity.started();
    Message message;
    Delivery delivery = null;
    Future<Void> result = null;
    try {
      message = Message.parse(id, raw);
      if (message != null) {
        // this delivery's own entry: an answer only counts while it is still there (not yet timed
        // out, not replaced by a later delivery of the same id), so every delivery is answered once
        delivery = new Delivery(token, System.nanoTime());
        // a later delivery of an id still running here (the node was taken for dead, the message
        // came back): the earlier one is abandoned, and the new one must go to the end of the
        // insertion order, where the timeout sweep expects the newest (a put on a present key
        // keeps its old place, and the sweep stopped there, holding back older expired entries)
        Delivery earlier = running.remove(id);
        if (earlier != null) {
          metrics.handlerEnded(earlier.started);
        }
        running.put(id, delivery);
        metrics.handlerStarted(message.producedAt(), pickedUpAt);
        if (clock != null && message.producedAt() >= measureFrom && clock.synced()) {
          // ts has ms resolution (floored): the latency is over-stated by 0..1 ms, never under-stated
          latency.record(clock.nowMicros() - message.producedAt() * 1000);
        }
        result = handler.handle(message);
      }
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError) {
        fatalThrottle.warn("a handler threw " + e + " on message " + id + "; recorded as that message's failure, "
            + "the other messages go on");
      }
      if (delivery == null) {
        completed(id, token, reason(e));
      } else {
        answered(id, delivery, reason(e));
      }
      return;
    }
    if (message == null) {
      completed(id, token, "malformed");
      return;
    }
    if (result == null) {
      answered(id, delivery, "handler returned no future");
      return;
    }
    if (result.isComplete()) {
      // answered at once (a zero-delay handler): we are on this verticle's context already
      answered(id, delivery, result.succeeded() ? "" : reason(result.cause()));
      return;
    }
    Delivery answering = delivery;
    result.onComplete(ar -> answeredOnContext(id, answering, ar));
  }

  /**
   * A handler's future may be completed on any thread: on a pool of the handler's own (a
   * CompletableFuture turned into a Future without a context, as an HttpClient.sendAsync user
   * writes it), the callback runs on that thread. The worker's state (running, outcomes, finish
   * calls and timers) belongs to this verticle's context, so the answer hops back to it unless it
   * is there already.
   */
  private void answeredOnContext(String id, Delivery delivery, AsyncResult<Void> ar) {
    if (Vertx.currentContext() == context) {
      answered(id, delivery, ar.succeeded() ? "" : reason(ar.cause()));
    } else {
      context.runOnContext(v -> answered(id, delivery, ar.succeeded() ? "" : reason(ar.cause())));
    }
  }

  private void answered(String id, Delivery delivery, String outcome) {
    if (running.remove(id, delivery)) {
      metrics.handlerEnded(delivery.started);
      completed(id, delivery.token, outcome);
    }
  }

  /**
   * Fails the handlers that have run longer than handlerTimeoutMs. One periodic sweep instead of a
   * timer per message: all messages get the same timeout, so the oldest entries of the
   * insertion-ordered map are the first to expire.
   */
  private void sweepTimeouts() {
    long now = System.nanoTime();
    long limit = TimeUnit.MILLISECONDS.toNanos(settings.handlerTimeoutMs());
    Iterator<Map.Entry<String, Delivery>> oldest = running.entrySet().iterator();
    List<Map.Entry<String, Delivery>> expired = new ArrayList<>();
    while (oldest.hasNext()) {
      Map.Entry<String, Delivery> entry = oldest.next();
      if (now - entry.getValue().started < limit) {
        break;
      }
      oldest.remove();
      metrics.handlerEnded(entry.getValue().started);
      expired.add(entry);
    }
    for (Map.Entry<String, Delivery> entry : expired) {
      completed(entry.getKey(), entry.getValue().token, "timeout");
    }
  }

  private void completed(String id, String token, String outcome) {
    activity.completed(outcome.isEmpty());
    outcomes.add(id);
    outcomes.add(token);
    outcomes.add(outcome);
    flush();
    pump();
  }

  /** Sends everything finished so far in one call, unless a call is already on its way. */
  private void flush() {
    if (finishing || outcomes.isEmpty()) {
      checkDrained();
      return;
    }
    List<String> batch;
    if (outcomes.size() <= 3 * finishLimit) {
      batch = outcomes;
      outcomes = new ArrayList<>();
    } else {
      List<String> head = outcomes.subList(0, 3 * finishLimit);
      batch = new ArrayList<>(head);
      head.clear();
    }
    List<Object> args = new ArrayList<>(batch.size() + 5);
    args.add(nodeId);
    args.add(settings.attempts());
    args.add(settings.backoffMs());
    args.add(settings.backoffMaxMs());
    // the seed of the retry delays' jitter: the script itself has no source of randomness
    args.add(ThreadLocalRandom.current().nextInt(1 << 30));
    args.addAll(batch);
    finishing = true;
    scripts.run(Script.FINISH, finishKeys, args).onComplete(ar -> {
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
      finishLimit = Math.min(MAX_BATCH, finishLimit * 2);
      finishing = false;
      Response r = ar.result();
      long dropped = r.get(1).toLong();
      if (metrics.enabled()) {
        metrics.outcomesRecorded(r.get(0).toLong(), failures(batch), dropped);
      }
      if (dropped > 0) {
        log.info("{} late outcome(s) dropped: their delivery was no longer in flight here (handed to another worker, "
            + "or recorded by an earlier call whose answer was lost)", dropped);
      }
      if (r.size() > 2 && r.get(2).toLong() > 0) {
        log.warn("{} duplicate outcome(s): another copy of the same id was recorded first; kept in the errors list "
            + "as error=duplicate", r.get(2).toLong());
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
  private boolean isolate(List<String> batch, Throwable cause) {
    String text = cause.getMessage();
    boolean perEntry = text != null && text.contains("script") && !text.startsWith("OOM") && !text.startsWith("BUSY")
        && !text.startsWith("NOSCRIPT") && !text.contains("redfleet:");
    if (!perEntry) {
      return false;
    }
    int triples = batch.size() / 3;
    if (triples > 1) {
      finishLimit = Math.max(1, triples / 2);
      outcomes.addAll(0, batch);
      return true;
    }
    finishLimit = 1;
    if (!"malformed".equals(batch.get(2))) {
      log.warn("finish refused the outcome of message {} ({}); recording it as malformed", batch.get(0), Backoff.oneLine(cause));
      outcomes.addAll(0, List.of(batch.get(0), batch.get(1), "malformed"));
      return true;
    }
    log.error("finish refused message {} even as malformed ({}); set aside until the node leaves",
        batch.get(0), Backoff.oneLine(cause));
    return true;
  }

  /** Failed outcomes in a batch of (id, token, outcome) triples, counted as finish.lua counts them. */
  private static long failures(List<String> batch) {
    long failed = 0;
    for (int i = 2; i < batch.size(); i += 3) {
      String outcome = batch.get(i);
      if (!outcome.isEmpty() && !outcome.equals("malformed")) {
        failed++;
      }
    }
    return failed;
  }

  private void checkDrained() {
    if (drained != null && running.isEmpty() && outcomes.isEmpty() && !finishing) {
      drained.tryComplete();
    }
  }

  /**
   * The errors-list reason of a failed answer: a reason given on purpose (a {@link HandlerFailure},
   * or Vert.x's {@code failedFuture(String)}, whose class is {@code NoStackTraceThrowable}) as it
   * is; any other exception as {@code exception: <class>: <message>}.
   */
  static String reason(Throwable failure) {
    String message = failure.getMessage();
    boolean given = failure instanceof HandlerFailure
        || failure.getClass().getName().equals("io.vertx.core.impl.NoStackTraceThrowable");
    String text;
    if (given && message != null && !message.isBlank()) {
      text = message;
    } else {
      text = "exception: " + failure.getClass().getName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
    text = text.replaceAll("\\s+", " ").trim();
    if (text.equals("malformed")) {
      // that word is reserved for entries that are not messages at all
      text = "handler: malformed";
    }
    return text.length() > MAX_REASON_LENGTH ? text.substring(0, MAX_REASON_LENGTH) : text;
  }

  private void reportLatency() {
    scripts.send(Request.cmd(Command.GET).arg(keys.latencyFrom()))
        .onSuccess(r -> measureFrom = r == null ? Long.MAX_VALUE : r.toLong());
    if (latency.count() > 0) {
      scripts.send(Request.cmd(Command.HSET).arg(keys.latency()).arg(nodeId + "/" + slot).arg(latency.encode())
          .arg(nodeId + "/clock-error-us").arg(clock.errorMicros()));
    }
  }
}
