package dev.redfleet.ops;

import dev.redfleet.api.Handler;
import dev.redfleet.api.Source;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.election.ElectionTimings;
import dev.redfleet.election.ElectionVerticle;
import dev.redfleet.election.Leadership;
import dev.redfleet.generator.GeneratorVerticle;
import dev.redfleet.handler.HandlerSource;
import dev.redfleet.http.ActionsEndpoint;
import dev.redfleet.http.MessagesEndpoint;
import dev.redfleet.http.ObserveVerticle;
import dev.redfleet.http.PostAccess;
import dev.redfleet.liveness.Anchor;
import dev.redfleet.liveness.ClientLiveness;
import dev.redfleet.liveness.LivenessVerdict;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.store.DataFormat;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.Floors;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.NodeScope;
import dev.redfleet.redis.RedisClock;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.send.Sender;
import dev.redfleet.source.SourceSetup;
import dev.redfleet.worker.RetryVerticle;
import dev.redfleet.worker.WorkerActivity;
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
 * <p>Start: the anchor connection (retried until Redis answers) and the node's identity (the id is
 * refused if a live process holds it; what a dead previous process held goes back to the queue),
 * then the Redis clock, the floors check (every heartbeatMs: the dataset and the server the node
 * knows, ids and epochs raised to what it has seen), the HTTP port (if any), heartbeat, workers,
 * generator, reaper and retries
 * (idle until told), election last, so every listener is in place before the first leadership
 * event. Stop: the election (the lease is released at once), then generator, reaper, retries and
 * workers together (claiming stops at once, running handlers get {@code drainMs}), then the
 * heartbeat, whose stop returns whatever is left to the queue. The election goes first, on its own:
 * its release is one round trip, and its last announcement must still find the other verticles
 * listening. The identity and the anchor go last. A stop that comes while the verticles after the
 * identity are being deployed waits for that deployment (Redis answered moments ago: a few calls),
 * so that no verticle is deployed after its undeploy ran.
 *
 * <p>A node whose id another live process took while this one was disconnected stops by itself,
 * without the heartbeat's leave (what the id holds is the other process's now), and says so through
 * {@link #identityLost()}: while starting, the start fails with that exception instead.
 */
public final class FleetNode {
  private static final Logger log = LoggerFactory.getLogger(FleetNode.class);
  /** How often a node logs what it did (only when it did something). */
  static final long SUMMARY_PERIOD_MS = 10_000;
  /** A node that has been the only live one this long says so: nobody handles what it generates. */
  static final long ALONE_WARNING_MS = 30_000;

  private final Vertx vertx;
  private final FleetConfig config;
  private final RedisConnector connector;
  private final Redis redis;
  private final Scripts scripts;
  private final Keys keys;
  /** The namespace's shards (one: {@link #keys} itself). */
  private final Shards shards;
  private final HandlerSource handlers;
  private final Handler handler;
  private final SourceSetup sources;
  /** What the generator emits; null for the simulated source (random bodies) and for none. */
  private final Source source;
  /** Counts only when the node has an HTTP port (httpPort >= 0). */
  private final NodeMetrics metrics;
  private final RedisClock clock;
  private final ClientLiveness liveness;
  private final Anchor anchor;
  private volatile boolean stopping;
  private Future<Void> stopped;
  private final io.vertx.core.Promise<IdentityVerticle.NodeIdInUseException> lost = io.vertx.core.Promise.promise();
  private HeartbeatVerticle heartbeatVerticle;
  /** The deployment of the verticles after the identity, once begun. */
  private Future<Void> deploying;
  /** The id was lost to another live process: the heartbeat must not give back what it holds. */
  private volatile boolean keepHoldings;
  private final Backoff identityBackoff = new Backoff(log, "node identity", 100, 2000);
  private String anchorDeployment;
  private String clockDeployment;
  private String identity;
  private String heartbeat;
  private String floors;
  private String observe;
  private String workers;
  private String generator;
  private String reaper;
  private String election;
  private String retries;
  /** The retry movers of shards 1..N-1 (shard 0's is {@link #retries}). */
  private final java.util.List<String> retryShards = new java.util.ArrayList<>();
  private String auditPrune;
  private String summary;
  private final WorkerActivity activity = new WorkerActivity();

  private FleetNode(Vertx vertx, FleetConfig config, HandlerSource handlers, SourceSetup sources) {
    this.vertx = vertx;
    this.config = config;
    this.handlers = handlers;
    this.sources = sources;
    // before any connection: a factory that fails stops the node here, with one line
    this.handler = handlers.bind(vertx, config);
    this.connector = RedisConnector.create(vertx, config.redis());
    this.redis = connector.pooled(2 * config.workers() + 4);
    this.keys = new Keys(config.namespace());
    this.shards = new Shards(keys, config.shards());
    this.scripts = connector.scripts(redis, keys, Floors.Settings.node(config.nodeId(), config.heartbeatMs(), config.staleMs()));
    // in a Redis Cluster on the master of the namespace's slot, with the lease: every node's anchor
    // on that one server, so CLIENT LIST there answers for all of them
    this.anchor = new Anchor(connector, keys.anchors());
    // asked on the anchor's own connection: its verdicts are about the anchor's server
    this.liveness = ClientLiveness.viaAnchor(anchor, connector.options().topology());
    this.clock = new RedisClock(redis);
    // the same for the source: a bad source file or cron expression ends the node before it joins
    this.source = sources.bind(vertx, config, () -> clock.synced() ? clock.nowMs() : -1);
    this.metrics = config.httpPort() >= 0
        ? new NodeMetrics(config.nodeId(), clock::nowMs)
        : NodeMetrics.OFF;
  }

  /**
   * A node not started yet, running {@code handlers}: {@link #start()} it, {@link #stop()} it (also
   * while it is starting). Throws a ConfigException at once when the handler cannot be created.
   */
  public static FleetNode create(Vertx vertx, FleetConfig config, HandlerSource handlers) {
    return create(vertx, config, handlers, SourceSetup.named(config));
  }

  /**
   * A node not started yet, running {@code handlers} and generating from {@code sources}. Throws a
   * ConfigException at once when the handler or the source cannot be created.
   */
  public static FleetNode create(Vertx vertx, FleetConfig config, HandlerSource handlers, SourceSetup sources) {
    return new FleetNode(vertx, config, handlers, sources);
  }

  /** A started node running {@code handlers}; see {@link #create} and {@link #start()}. */
  public static Future<FleetNode> start(Vertx vertx, FleetConfig config, HandlerSource handlers, SourceSetup sources) {
    FleetNode node = create(vertx, config, handlers, sources);
    return node.start().map(node);
  }

  /** Whether {@link #stop()} was called. */
  public boolean stopRequested() {
    return stopping;
  }

  /**
   * Completes once another live process took this node's id (noticed when this node's anchor
   * reconnected), with the one-line reason; the node is stopping itself by then ({@link #stop()}
   * returns that stop). Never completes otherwise.
   */
  public Future<IdentityVerticle.NodeIdInUseException> identityLost() {
    return lost.future();
  }

  /** The identity verticle found this node's id taken: stop without giving back what the id holds. */
  private void onIdentityLost(IdentityVerticle.NodeIdInUseException e) {
    HeartbeatVerticle beat = heartbeatVerticle;
    if (beat != null) {
      beat.keepHoldingsOnStop();
    }
    keepHoldings = true;
    stop();
    lost.tryComplete(e);
  }

  /**
   * Completes when every verticle runs; fails with {@link IdentityVerticle.NodeIdInUseException} (at
   * once when a live process holds the id, or when one takes it while this node is starting), or
   * with {@link DataFormat.MismatchException} when the namespace holds another release's data format.
   */
  public Future<Void> start() {
    io.vertx.core.Promise<Void> started = io.vertx.core.Promise.promise();
    lost.future().onSuccess(started::tryFail);
    vertx.deployVerticle(anchor, scoped())
        .compose(id -> {
          anchorDeployment = id;
          return stopping ? Future.failedFuture("stopped while starting") : claimIdentity();
        })
        .compose(id -> {
          identity = id;
          return deployUnlessStopping();
        })
        .onComplete(started::tryComplete, started::tryFail);
    return started.future();
  }

  /** The rest of the start, remembered so that a stop during it waits for it (it runs with Redis reachable). */
  private synchronized Future<Void> deployUnlessStopping() {
    if (stopping) {
      return Future.failedFuture("stopped while starting");
    }
    deploying = deploy();
    return deploying;
  }

  /**
   * Checks the namespace's data format and deploys the identity, retrying while Redis is
   * unreachable; another format, or a live holder of the id, fails it at once.
   */
  private Future<String> claimIdentity() {
    // before the first write: a Redis too old, or a namespace of another data format, is refused
    return RedisVersion.check(redis, connector.options().describe())
        .onSuccess(version -> log.info("Redis {} at {}", version == null ? "(version not shown)" : version,
            connector.options().describe()))
        .compose(version -> DataFormat.check(scripts, keys, config.namespace(), shards.count()))
        .compose(v -> vertx.deployVerticle(new IdentityVerticle(scripts, shards, config.nodeId(), anchor, verdict(),
            config.staleMs(), this::onIdentityLost), scoped()))
        .recover(e -> {
          if (e instanceof IdentityVerticle.NodeIdInUseException || e instanceof DataFormat.MismatchException
              || e instanceof ConfigException || stopping) {
            return Future.failedFuture(e);
          }
          // logged once (then a summary a minute); a permanent refusal (ACL) ends run
          long delay = identityBackoff.failed(e);
          io.vertx.core.Promise<String> retried = io.vertx.core.Promise.promise();
          vertx.setTimer(delay, t -> claimIdentity().onComplete(retried));
          return retried.future();
        })
        .onSuccess(id -> identityBackoff.succeeded());
  }

  /** The dead-or-alive rule, one per verticle (it remembers what that verticle saw alive). */
  private LivenessVerdict verdict() {
    return new LivenessVerdict(anchor, liveness);
  }

  public String nodeId() {
    return config.nodeId();
  }

  private Future<Void> deploy() {
    String nodeId = config.nodeId();
    log.info("node {} joins namespace '{}' on {} with {} worker(s) x {} concurrent message(s){}",
        nodeId, config.namespace(), connector.options().describe(), config.workers(), config.concurrency(),
        shards.count() == 1 ? "" : ", " + shards.count() + " shards");
    log.info("handler: {}", handlers.description());
    log.info("source: {}", sources.description());
    WorkerVerticle.Settings workerSettings = new WorkerVerticle.Settings(connector, config.concurrency(),
        config.blockMs(), config.handlerTimeoutMs(), config.drainMs(),
        config.attempts(), config.backoffMs(), config.backoffMaxMs(), config.leaderHandles(),
        WorkerVerticle.PAUSED_POLL_MS, config.minClaim(), config.finishLingerMs());
    // the Redis clock has its first sample before any message is taken, so every pickup is
    // measured; a Redis that is down does not hold the start up (it waits 2 s at most)
    return vertx.deployVerticle(clock, scoped())
        .compose(id -> {
          clockDeployment = id;
          return MemoryPolicy.check(redis);
        })
        .compose(v -> SplitBrainCheck.check(redis, connector.options().topology()))
        // before anything that hands out ids or epochs: the node knows the dataset and its floors
        .compose(v -> vertx.deployVerticle(new FloorsVerticle(scripts, shards, nodeId, config.heartbeatMs()), scoped()))
        .compose(id -> {
          floors = id;
          return Future.<Void>succeededFuture();
        })
        // first, so a port that cannot be bound stops the node before it registers anywhere;
        // before the election in any case, so it hears the first leadership event
        .compose(v -> metrics.enabled()
            ? vertx.deployVerticle(new ObserveVerticle(scripts, shards, nodeId,
                new ObserveVerticle.Settings(config.httpHost(), config.httpPort(), config.httpPortFile(), config.staleMs()),
                metrics, new MessagesEndpoint(
                    new Sender(scripts, shards, config.maxBodyBytes(), config.dedupWindowMs()),
                    new PostAccess(config.httpToken(), config.httpHost())),
                new ActionsEndpoint(scripts, shards, new PostAccess(config.httpToken(), config.httpHost()),
                    config.maxBodyBytes())), scoped())
            : Future.succeededFuture((String) null))
        .compose(id -> {
          observe = id;
          heartbeatVerticle = new HeartbeatVerticle(scripts, shards, nodeId, handlers.name(), config.heartbeatMs());
          if (keepHoldings) {
            heartbeatVerticle.keepHoldingsOnStop();
          }
          return vertx.deployVerticle(heartbeatVerticle, scoped());
        })
        .compose(id -> {
          heartbeat = id;
          // with shards, verticle i starts on shard (i + o) mod N, o drawn from the node id: the
          // nodes' first verticles spread over the shards instead of all starting on shard 0
          java.util.concurrent.atomic.AtomicInteger index =
              new java.util.concurrent.atomic.AtomicInteger(Math.floorMod(nodeId.hashCode(), shards.count()));
          return vertx.deployVerticle(
              () -> new WorkerVerticle(scripts, shards, index.getAndIncrement(), nodeId, workerSettings, handler, activity,
                  metrics, clock, config.latencyReportMs()),
              scoped().setInstances(config.workers()));
        })
        .compose(id -> {
          workers = id;
          // source none: no generator at all, so not a single produce call; the election, retries
          // and the reaper run as with any source
          return sources.kind() == SourceSetup.Kind.NONE ? Future.succeededFuture((String) null)
              : vertx.deployVerticle(new GeneratorVerticle(scripts, shards, new GeneratorVerticle.Settings(
                  config.intervalMs(), config.batchSize(), config.limit(), config.queueCap(), config.generatorStallMs(),
                  config.rate(), config.sourcePollMs(), config.maxBodyBytes()), metrics, source), scoped());
        })
        .compose(id -> {
          generator = id;
          return vertx.deployVerticle(new ReaperVerticle(scripts, shards, nodeId,
              new ReaperVerticle.Settings(config.heartbeatMs(), config.staleMs(), config.forgetMs(),
                  config.livenessMs()), verdict()), scoped());
        })
        .compose(id -> {
          reaper = id;
          // one per shard: each shard's delayed set is moved into that shard's queue
          java.util.List<Future<String>> movers = new java.util.ArrayList<>();
          for (Keys shard : shards.all()) {
            movers.add(vertx.deployVerticle(new RetryVerticle(scripts, shard, nodeId,
                RetryVerticle.intervalFor(config.backoffMs()), connector::dedicated), scoped()));
          }
          return Future.all(movers).map(all -> {
            for (int i = 1; i < movers.size(); i++) {
              retryShards.add(movers.get(i).result());
            }
            return movers.get(0).result();
          });
        })
        .compose(id -> {
          retries = id;
          // the audit's retention, when one is set: the leader prunes complete segments
          return config.auditRetentionHours() < 0 ? Future.<String>succeededFuture(null)
              : vertx.deployVerticle(new AuditPruneVerticle(scripts, shards, config.auditRetentionHours()), scoped());
        })
        .compose(id -> {
          auditPrune = id;
          return vertx.deployVerticle(new ElectionVerticle(scripts, keys, nodeId,
              new ElectionTimings(config.leaseMs(), config.renewMs(), config.retryMs(), config.livenessMs()),
              anchor, verdict()), scoped());
        })
        .compose(id -> {
          election = id;
          // last: its role line comes after the first election attempt
          return vertx.deployVerticle(new NodeSummaryVerticle(new FleetStore(scripts, shards), keys, nodeId, handlers.name(),
              activity, new NodeSummaryVerticle.Settings(
              SUMMARY_PERIOD_MS, Math.max(1000, 4L * config.retryMs()), ALONE_WARNING_MS, config.staleMs(), config.leaderHandles())), scoped());
        })
        .map(id -> {
          summary = id;
          return null;
        });
  }

  /** Leaves the fleet (see the class comment); calling it again returns the same future. */
  public synchronized Future<Void> stop() {
    if (stopped == null) {
      stopped = leave();
    }
    return stopped;
  }

  private Future<Void> leave() {
    stopping = true;
    // a stop while the verticles are being deployed waits for them (a few Redis calls at most), so
    // that none is deployed after its undeploy ran: then everything is undeployed in order
    Future<Void> settled = deploying == null ? Future.succeededFuture()
        : deploying.transform(ar -> Future.<Void>succeededFuture());
    return settled.compose(v -> leaveNow());
  }

  private Future<Void> leaveNow() {
    if (heartbeat != null) {
      log.info("node {} is leaving the fleet: it takes no new message; running ones get {} ms to finish",
          config.nodeId(), config.drainMs());
    }
    // before the election lets the lease go: a generator node that becomes a follower now must not
    // start claiming (event bus delivery keeps this order for every listener)
    vertx.eventBus().publish(NodeScope.address(scope(), Leadership.LEAVING_ADDRESS), null);
    return undeploy(election)
        .eventually(() -> Future.join(undeploy(generator), undeploy(reaper), undeploy(retries), undeployAll(retryShards), undeploy(auditPrune), undeploy(workers),
            undeploy(summary), undeploy(observe)))
        .eventually(() -> undeploy(heartbeat))
        .eventually(() -> undeploy(floors))
        .eventually(() -> undeploy(clockDeployment))
        .eventually(() -> undeploy(identity))
        .eventually(() -> undeploy(anchorDeployment))
        .eventually(handlers::close)
        .eventually(sources::close)
        .eventually(redis::close)
        .andThen(ar -> metrics.close())
        .mapEmpty();
  }

  /**
   * This node's event-bus scope: namespace and node id, so that two nodes sharing one Vert.x (two
   * queues in one process) never hear each other's leadership.
   */
  private String scope() {
    return config.namespace() + "/" + config.nodeId();
  }

  private DeploymentOptions scoped() {
    return NodeScope.deployment(scope());
  }

  private Future<Void> undeployAll(java.util.List<String> deploymentIds) {
    java.util.List<Future<Void>> all = new java.util.ArrayList<>();
    deploymentIds.forEach(id -> all.add(undeploy(id)));
    return Future.join(all).mapEmpty();
  }

  private Future<Void> undeploy(String deploymentId) {
    return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
  }
}
