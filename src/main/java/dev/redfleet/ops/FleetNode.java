package dev.redfleet.ops;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.election.ElectionTimings;
import dev.redfleet.election.ElectionVerticle;
import dev.redfleet.generator.GeneratorVerticle;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisClients;
import dev.redfleet.redis.Scripts;
import dev.redfleet.worker.SimulatedHandler;
import dev.redfleet.worker.WorkerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the fleet: the verticles of {@code run}, deployed and undeployed in an order that
 * loses nothing.
 *
 * <p>Start: heartbeat, workers, generator and reaper (idle until told), election last, so every
 * listener is in place before the first leadership event. Stop: the election (the lease is released
 * at once), then generator, reaper and workers together (claiming stops at once, running handlers get
 * {@code drainMs}), then the heartbeat, whose stop returns whatever is left to the queue.
 * The election goes first, on its own: its release is one round trip, and its last announcement
 * must still find the other verticles listening.
 */
public final class FleetNode {
  private static final Logger log = LoggerFactory.getLogger(FleetNode.class);

  private final Vertx vertx;
  private final FleetConfig config;
  private final Redis redis;
  private final Scripts scripts;
  private final Keys keys;
  private String heartbeat;
  private String workers;
  private String generator;
  private String reaper;
  private String election;

  private FleetNode(Vertx vertx, FleetConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.redis = RedisClients.pooled(vertx, config.redisUrl(), 2 * config.workers() + 4);
    this.scripts = new Scripts(redis);
    this.keys = new Keys(config.namespace());
  }

  public static Future<FleetNode> start(Vertx vertx, FleetConfig config) {
    FleetNode node = new FleetNode(vertx, config);
    return node.deploy().map(node);
  }

  private Future<Void> deploy() {
    String nodeId = config.nodeId();
    log.info("node {} joins namespace '{}' on {} with {} worker(s) x {} concurrent message(s)",
        nodeId, config.namespace(), RedisUrls.redact(config.redisUrl()), config.workers(), config.concurrency());
    WorkerVerticle.Settings workerSettings = new WorkerVerticle.Settings(config.redisUrl(), config.concurrency(),
        config.blockMs(), config.handlerTimeoutMs(), config.drainMs());
    return vertx.deployVerticle(new HeartbeatVerticle(scripts, keys, nodeId, config.heartbeatMs()))
        .compose(id -> {
          heartbeat = id;
          return vertx.deployVerticle(
              () -> new WorkerVerticle(scripts, keys, nodeId, workerSettings,
                  new SimulatedHandler(vertx, config.maxDelayMs(), config.errorRate(), config.hangRate())),
              new DeploymentOptions().setInstances(config.workers()));
        })
        .compose(id -> {
          workers = id;
          return vertx.deployVerticle(new GeneratorVerticle(scripts, keys, new GeneratorVerticle.Settings(
              config.intervalMs(), config.batchSize(), config.limit(), config.queueCap())));
        })
        .compose(id -> {
          generator = id;
          return vertx.deployVerticle(new ReaperVerticle(scripts, keys, nodeId,
              new ReaperVerticle.Settings(config.heartbeatMs(), config.staleMs(), config.forgetMs())));
        })
        .compose(id -> {
          reaper = id;
          return vertx.deployVerticle(new ElectionVerticle(scripts, keys, nodeId,
              new ElectionTimings(config.leaseMs(), config.renewMs(), config.retryMs())));
        })
        .map(id -> {
          election = id;
          return null;
        });
  }

  public Future<Void> stop() {
    log.info("node {} is leaving the fleet", config.nodeId());
    return undeploy(election)
        .eventually(() -> Future.join(undeploy(generator), undeploy(reaper), undeploy(workers)))
        .eventually(() -> undeploy(heartbeat))
        .eventually(redis::close)
        .mapEmpty();
  }

  private Future<Void> undeploy(String deploymentId) {
    return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
  }
}
