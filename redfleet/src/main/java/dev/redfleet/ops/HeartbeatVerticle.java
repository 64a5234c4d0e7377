package dev.redfleet.ops;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node known as alive in {@code <ns>:nodes} (Redis time), with the name of the handler it
 * runs in {@code <ns>:handlers}, and on stop makes the node
 * leave: whatever it still holds goes back to the queue and it is no longer a member. Undeploy it
 * after the workers have closed their blocking connections. A BLMOVE the server serves before it
 * has processed such a close can still land a message after the leave: the leader's reaper sweeps
 * the landing list of a node that left once more after {@code forgetMs} ({@code forget-left.lua}).
 */
public final class HeartbeatVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatVerticle.class);

  private final NodeStore nodes;
  private final String nodeId;
  private final String handler;
  private final long intervalMs;
  private final Backoff backoff = new Backoff(log, "heartbeat", 100, 5000);
  private long timer = -1;
  private volatile boolean keepHoldings;

  public HeartbeatVerticle(Scripts scripts, Keys keys, String nodeId, String handler, long intervalMs) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), nodeId, handler, intervalMs);
  }

  /** With shards: the leave hands back what the node holds in every shard. */
  public HeartbeatVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, String nodeId, String handler, long intervalMs) {
    this.nodes = new FleetStore(scripts, shards).nodes();
    this.nodeId = nodeId;
    this.handler = handler;
    this.intervalMs = intervalMs;
  }

  @Override
  public Future<?> start() {
    // not waited for: a node started while Redis is down keeps trying instead of failing
    beat();
    timer = vertx.setPeriodic(intervalMs, id -> beat());
    return Future.succeededFuture();
  }

  /**
   * On stop, leave what the node id holds where it is: another live process owns the id now (its
   * start already returned what this process held to the queue), so a leave would take its messages.
   */
  public void keepHoldingsOnStop() {
    keepHoldings = true;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    if (keepHoldings) {
      return Future.succeededFuture();
    }
    // after the last heartbeat's writes: one that landed after the leave would make the node a
    // member again (in the namespace or, with shards, a shard's copy), and forget-left would then
    // skip its last sweep of the landing list
    return lastBeat.transform(ignored -> nodes.leave(nodeId))
        .timeout(5, TimeUnit.SECONDS)
        .onSuccess(moved -> log.info("node {} left the fleet; {} unfinished message(s) returned to the queue",
            nodeId, moved))
        .onFailure(e -> log.warn("node {} could not leave cleanly ({}); the reaper will return its messages",
            nodeId, Backoff.oneLine(e)))
        // a node that left runs no handler (send has its own timeout); the generator's node drops
        // the field of a node that could not
        .compose(r -> nodes.forgetHandler(nodeId))
        .recover(e -> Future.succeededFuture());
  }

  private void beat() {
    lastBeat = nodes.heartbeat(nodeId, handler)
        .onSuccess(r -> backoff.succeeded())
        .onFailure(backoff::failed);
  }

  /** The last heartbeat sent, whose writes the leave waits for. */
  private Future<Long> lastBeat = Future.succeededFuture();
}
