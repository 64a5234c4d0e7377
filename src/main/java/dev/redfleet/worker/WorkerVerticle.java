package dev.redfleet.worker;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisClients;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
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
 * flight at a time and everything that finished meanwhile goes into the next one.
 *
 * <p>The worker takes nothing new while its node is the generator: a message that a pending BLMOVE
 * lands meanwhile goes straight back to the head of the queue.
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WorkerVerticle.class);
  /** Most messages one claim or one finish call carries. */
  static final int MAX_BATCH = 1000;
  private static final int MAX_REASON_LENGTH = 200;

  /**
   * @param concurrency messages in flight at most in this verticle
   * @param blockMs how long one BLMOVE waits for a message
   * @param handlerTimeoutMs a handler that has not finished by then fails with the reason {@code timeout}
   * @param drainMs on stop, how long running handlers may take to finish
   */
  public record Settings(String redisUrl, int concurrency, long blockMs, long handlerTimeoutMs, long drainMs) {}

  private final Scripts scripts;
  private final Keys keys;
  private final String nodeId;
  private final Settings settings;
  private final MessageHandler handler;
  private final List<String> claimKeys;
  private final List<String> finishKeys;
  private final Backoff claimBackoff = new Backoff(log, "worker claim", 100, 5000);
  private final Backoff finishBackoff = new Backoff(log, "worker finish", 100, 5000);

  /** This verticle's slot in the node's claims hash. */
  private final String slot = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
  private long claims;
  /** The token of a claim whose answer never came: the next claim repeats it to get that answer. */
  private String unansweredClaim;

  private MessageConsumer<JsonObject> consumer;
  private Redis blockingClient;
  private RedisConnection blockingConnection;

  /** Messages whose handler is running: id -> start (nanoTime), oldest first. */
  private final LinkedHashMap<String, Long> running = new LinkedHashMap<>();
  private long sweepTimer = -1;
  private boolean paused;
  private boolean stopping;
  /** A claim or a BLMOVE is outstanding: at most one at a time. */
  private boolean fetching;
  /** A finish call is outstanding, or waiting to be retried. */
  private boolean finishing;
  /** Pairs (id, outcome) waiting for the next finish call; outcome "" is success. */
  private ArrayList<String> outcomes = new ArrayList<>();
  private Promise<Void> drained;

  public WorkerVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings, MessageHandler handler) {
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.settings = settings;
    this.handler = handler;
    this.claimKeys = List.of(keys.queue(), keys.landing(nodeId), keys.inflight(nodeId), keys.nodes(),
        keys.errors(), keys.stats(), keys.claims(nodeId));
    this.finishKeys = List.of(keys.inflight(nodeId), keys.errors(), keys.stats(), keys.audit());
  }

  @Override
  public Future<?> start() {
    long sweepEvery = Math.max(10, Math.min(1000, settings.handlerTimeoutMs() / 10));
    sweepTimer = vertx.setPeriodic(sweepEvery, id -> sweepTimeouts());
    consumer = vertx.eventBus().localConsumer(Leadership.ADDRESS,
        message -> setPaused(Leadership.fromJson(message.body()).leader()));
    return consumer.completion().onSuccess(v -> pump());
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
    return consumer.unregister()
        .eventually(this::closeBlockingClient)
        .eventually(() -> drained.future())
        .onComplete(ar -> {
          vertx.cancelTimer(drainTimer);
          vertx.cancelTimer(sweepTimer);
        });
  }

  private void setPaused(boolean leader) {
    paused = leader;
    if (!paused) {
      pump();
    }
  }

  /** Takes more messages if there is room and nothing is being fetched already. */
  private void pump() {
    if (stopping || fetching) {
      return;
    }
    if (unansweredClaim != null) {
      // its messages are this node's already, whatever the capacity or role: get them first
      claim(0);
      return;
    }
    if (paused) {
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
      Map<Integer, String> oddIds = oddIds(ar.result().get(1));
      for (int i = 0; i < claimed.size(); i++) {
        String raw = claimed.get(i).toString();
        String id = oddIds.isEmpty() ? Message.canonicalId(raw) : oddIds.getOrDefault(i + 1, Message.canonicalId(raw));
        handle(id, raw);
      }
      if (claimed.size() > 0) {
        pump();
      } else {
        blockingPop();
      }
    });
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
    if (stopping || paused || running.size() >= settings.concurrency()) {
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
              long delay = claimBackoff.failed(ar.cause());
              vertx.setTimer(delay, id -> pump());
            }
            return;
          }
          claimBackoff.succeeded();
          if (stopping) {
            return;
          }
          if (ar.result() == null) {
            pump();
          } else if (paused) {
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
      blockingClient = RedisClients.dedicated(vertx, settings.redisUrl());
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

  private void handle(String id, String raw) {
    Message message = Message.parse(id, raw);
    if (message == null) {
      completed(id, "malformed");
      return;
    }
    running.put(id, System.nanoTime());
    Future<Void> result;
    try {
      result = handler.handle(message);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      // null: the sweep already recorded it as a timeout
      if (running.remove(id) != null) {
        completed(id, ar.succeeded() ? "" : reason(ar.cause()));
      }
    });
  }

  /**
   * Fails the handlers that have run longer than handlerTimeoutMs. One periodic sweep instead of a
   * timer per message: all messages get the same timeout, so the oldest entries of the
   * insertion-ordered map are the first to expire.
   */
  private void sweepTimeouts() {
    long now = System.nanoTime();
    long limit = TimeUnit.MILLISECONDS.toNanos(settings.handlerTimeoutMs());
    Iterator<Map.Entry<String, Long>> oldest = running.entrySet().iterator();
    List<String> expired = new ArrayList<>();
    while (oldest.hasNext()) {
      Map.Entry<String, Long> entry = oldest.next();
      if (now - entry.getValue() < limit) {
        break;
      }
      oldest.remove();
      expired.add(entry.getKey());
    }
    for (String id : expired) {
      completed(id, "timeout");
    }
  }

  private void completed(String id, String outcome) {
    outcomes.add(id);
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
    if (outcomes.size() <= 2 * MAX_BATCH) {
      batch = outcomes;
      outcomes = new ArrayList<>();
    } else {
      List<String> head = outcomes.subList(0, 2 * MAX_BATCH);
      batch = new ArrayList<>(head);
      head.clear();
    }
    List<Object> args = new ArrayList<>(batch.size() + 1);
    args.add(nodeId);
    args.addAll(batch);
    finishing = true;
    scripts.run(Script.FINISH, finishKeys, args).onComplete(ar -> {
      if (ar.failed()) {
        // a retry is safe: an outcome already recorded is no longer in flight and is dropped
        outcomes.addAll(0, batch);
        vertx.setTimer(finishBackoff.failed(ar.cause()), id -> {
          finishing = false;
          flush();
        });
        return;
      }
      finishBackoff.succeeded();
      finishing = false;
      long dropped = ar.result().get(1).toLong();
      if (dropped > 0) {
        log.info("{} late outcome(s) dropped: their messages had been handed to another worker", dropped);
      }
      flush();
    });
  }

  private void checkDrained() {
    if (drained != null && running.isEmpty() && outcomes.isEmpty() && !finishing) {
      drained.tryComplete();
    }
  }

  private static String reason(Throwable failure) {
    String text = failure.getMessage();
    if (text == null || text.isBlank()) {
      text = failure.getClass().getSimpleName();
    }
    text = text.replaceAll("\\s+", " ").trim();
    if (text.equals("malformed")) {
      // that word is reserved for entries that are not messages at all
      text = "handler: malformed";
    }
    return text.length() > MAX_REASON_LENGTH ? text.substring(0, MAX_REASON_LENGTH) : text;
  }
}
