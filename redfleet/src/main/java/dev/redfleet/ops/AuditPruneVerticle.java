package dev.redfleet.ops;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.NodeScope;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit's retention (auditRetentionHours >= 0): while this node is the leader, every
 * {@link #PERIOD_MS} it deletes the bitmaps of complete audit segments older than the retention
 * ({@code audit-prune.lua}). A segment of 2^24 ids completes every 16.7 million messages, so this
 * is rare work; its count stays and still catches duplicates.
 */
public final class AuditPruneVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AuditPruneVerticle.class);
  /** How often the leader looks for segments to prune (and once when it becomes the leader). */
  static final long PERIOD_MS = 300_000;

  private final NodeStore nodes;
  private final long retentionMs;
  private final long periodMs;
  private final Backoff backoff = new Backoff(log, "audit retention", 1000, 60_000);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;

  /** @param retentionHours hours a complete segment keeps its bitmap (>= 0) */
  public AuditPruneVerticle(Scripts scripts, Keys keys, long retentionHours) {
    this(scripts, keys, TimeUnit.HOURS.toMillis(retentionHours), PERIOD_MS);
  }

  /** Every shard's audit. */
  public AuditPruneVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, long retentionHours) {
    this(scripts, shards, TimeUnit.HOURS.toMillis(retentionHours), PERIOD_MS);
  }

  AuditPruneVerticle(Scripts scripts, Keys keys, long retentionMs, long periodMs) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), retentionMs, periodMs);
  }

  AuditPruneVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, long retentionMs, long periodMs) {
    this.nodes = new FleetStore(scripts, shards).nodes();
    this.retentionMs = retentionMs;
    this.periodMs = periodMs;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(NodeScope.address(config(), Leadership.ADDRESS), message -> {
      if (Leadership.fromJson(message.body()).leader()) {
        if (timer == -1) {
          timer = vertx.setPeriodic(1, periodMs, id -> prune());
        }
      } else if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    return consumer.unregister();
  }

  private void prune() {
    nodes.pruneAudit(retentionMs).onComplete(ar -> {
      if (ar.failed()) {
        backoff.failed(ar.cause());
        return;
      }
      backoff.succeeded();
      long deleted = ar.result();
      if (deleted > 0) {
        log.info("audit retention: deleted the bitmaps of {} complete segment(s) of 2^24 ids older than {} h "
            + "(their counts stay and still catch duplicates)", deleted, TimeUnit.MILLISECONDS.toHours(retentionMs));
      }
    });
  }
}
