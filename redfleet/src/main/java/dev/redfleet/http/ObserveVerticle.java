package dev.redfleet.http;

import dev.redfleet.config.ConfigException;
import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.ErrorStore;
import dev.redfleet.redis.store.FiguresStore;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.status.StatusReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP port: {@code /metrics} (Prometheus text), {@code /health} and {@code /ready}
 * (200 when this node reaches Redis and is alive in the fleet, else 503), {@code /api/status}
 * (the {@code status} snapshot plus throughput history, every node's own rate and the latest
 * errors), the live page ({@code /}, from {@code web/} in the jar), {@code POST /messages}
 * ({@link MessagesEndpoint}) and the page's actions ({@link ActionsEndpoint}).
 *
 * <p>One poll a second, on the shared pool: the status script, this node's totals into
 * {@code nodetotals}, everyone's totals and the newest errors (every shard's). The
 * fleet-wide figures are read from that poll, never counted on the hot path.
 */
public final class ObserveVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ObserveVerticle.class);
  /** How often the fleet is polled; also the resolution of the page's chart. */
  static final long POLL_MS = 1000;
  /** Samples of throughput history kept: ten minutes at one a second. */
  static final int HISTORY = 600;
  /** The newest error entries the page shows. */
  static final int LATEST_ERRORS = 5;
  private static final List<String> WEB_FILES = List.of("index.html", "actions.js", "app.js", "style.css");

  /**
   * @param host address to bind (loopback by default)
   * @param port 0 for a free port
   * @param portFile where to write the port listened on; empty for nowhere
   */
  public record Settings(String host, int port, String portFile, long staleMs) {}

  private final Scripts scripts;
  private final FleetStore store;
  private final Keys keys;
  private final dev.redfleet.redis.Shards shards;
  private final String nodeId;
  private final Settings settings;
  private final NodeMetrics metrics;
  private final MessagesEndpoint messages;
  private final ActionsEndpoint actions;
  private final Backoff backoff = new Backoff(log, "observe poll", POLL_MS, POLL_MS);
  private final Map<String, Buffer> web = new HashMap<>();
  /** The page needs nothing but its own files and /api/status: no inline script or style, no frames. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private ConnectionGuard guard;

  private MessageConsumer<JsonObject> consumer;
  private HttpServer server;
  private long timer = -1;
  private boolean polling;

  // the latest poll; read by the HTTP handlers and the gauges
  private volatile JsonObject status;
  private volatile long lastPollOkNanos;
  private volatile boolean inFleet;
  private volatile boolean generator;
  private final AtomicLong queueDepth = new AtomicLong();
  private final AtomicLong errorsWaiting = new AtomicLong();
  private final AtomicLong fleetInFlight = new AtomicLong();
  private final AtomicLong nodesAlive = new AtomicLong();
  private final AtomicLong fleetHandlers = new AtomicLong();
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicLong leaderChanges = new AtomicLong();
  private final Map<String, AtomicLong> fleetStats = new ConcurrentHashMap<>();
  private final ArrayDeque<JsonArray> history = new ArrayDeque<>();
  private Map<String, long[]> previousTotals = Map.of();
  private long previousTotalsAt;
  private JsonObject nodeRates = new JsonObject();
  private JsonArray latestErrors = new JsonArray();

  public ObserveVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings,
                         NodeMetrics metrics, MessagesEndpoint messages, ActionsEndpoint actions) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), nodeId, settings, metrics, messages, actions);
  }

  /**
   * With shards: the status and /metrics add up every shard; the page's newest errors are the
   * newest of every shard's, each with its shard and its fleet-wide id.
   */
  public ObserveVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, String nodeId, Settings settings,
                         NodeMetrics metrics, MessagesEndpoint messages, ActionsEndpoint actions) {
    this.scripts = scripts;
    this.store = new FleetStore(scripts, shards);
    this.keys = shards.fleet();
    this.shards = shards;
    this.nodeId = nodeId;
    this.settings = settings;
    this.metrics = metrics;
    this.messages = messages;
    this.actions = actions;
  }

  @Override
  public Future<?> start() {
    guard = new ConnectionGuard(ConnectionGuard.Limits.DEFAULTS);
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS),
        message -> generator = Leadership.fromJson(message.body()).leader());
    return consumer.completion()
        .compose(v -> vertx.executeBlocking(this::loadWeb))
        .compose(v -> guard.guard(vertx.createHttpServer(guard.options())).requestHandler(this::serve)
            .listen(settings.port(), settings.host())
            .recover(e -> Future.failedFuture(new ConfigException("httpPort " + settings.port() + " on " + settings.host()
                + " cannot be opened: " + Backoff.oneLine(e)))))
        .compose(s -> {
          server = s;
          log.info("http on http://{}:{}/ (page), /metrics, /health", settings.host(), s.actualPort());
          poll();
          timer = vertx.setPeriodic(POLL_MS, id -> poll());
          return settings.portFile().isEmpty() ? Future.succeededFuture()
              : vertx.fileSystem().writeFile(settings.portFile(), Buffer.buffer(Integer.toString(s.actualPort())));
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    Future<?> forget = store.figures().forgetTotals(List.of(nodeId))
        .timeout(2, TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
    Future<?> close = server == null ? Future.succeededFuture() : server.close();
    return Future.join(forget, close, consumer.unregister()).recover(e -> Future.succeededFuture());
  }

  /** Off the event loop: reads the page's files and loads the meter classes (slow on a busy machine). */
  private Void loadWeb() throws IOException {
    registerGauges(metrics.registry());
    for (String file : WEB_FILES) {
      try (InputStream in = ObserveVerticle.class.getResourceAsStream("/web/" + file)) {
        if (in != null) {
          web.put("/" + file, Buffer.buffer(in.readAllBytes()));
        }
      }
    }
    return null;
  }

  private void registerGauges(PrometheusMeterRegistry registry) {
    Gauge.builder("redfleet.queue.depth", queueDepth, AtomicLong::get)
        .description("Messages waiting in the queue (fleet-wide)").register(registry);
    Gauge.builder("redfleet.errors.waiting", errorsWaiting, AtomicLong::get)
        .description("Error entries waiting for getErrors (fleet-wide)").register(registry);
    Gauge.builder("redfleet.fleet.in.flight", fleetInFlight, AtomicLong::get)
        .description("Messages held by all nodes (landing + in flight)").register(registry);
    Gauge.builder("redfleet.fleet.nodes.alive", nodesAlive, AtomicLong::get)
        .description("Nodes whose heartbeat is recent").register(registry);
    Gauge.builder("redfleet.fleet.handlers", fleetHandlers, AtomicLong::get)
        .description("Distinct handlers the live nodes run; more than 1: nodes of this namespace run different handlers")
        .register(registry);
    Gauge.builder("redfleet.generator", this, o -> o.generator ? 1 : 0)
        .description("1 while this node holds the generator lease").register(registry);
    Gauge.builder("redfleet.epoch", epoch, AtomicLong::get)
        .description("The last epoch handed out (fencing token); it grows by one per leader change").register(registry);
    FunctionCounter.builder("redfleet.leader.changes", leaderChanges, AtomicLong::get)
        .description("Leader changes (epoch increases) this node has seen in Redis since it started").register(registry);
    Gauge.builder("redfleet.paused", this, o -> o.status != null && o.status.getBoolean("paused", false) ? 1 : 0)
        .description("1 while the fleet is paused (redfleet pause; redfleet resume ends it)").register(registry);
    Gauge.builder("redfleet.ready", this, o -> o.ready() ? 1 : 0)
        .description("1 when this node reaches Redis and is alive in the fleet (what /health answers)").register(registry);
  }

  /** A counter of the stats hash, registered the first time the field is seen (newer versions add fields). */
  private AtomicLong fleetStat(String field) {
    return fleetStats.computeIfAbsent(field, f -> {
      AtomicLong value = new AtomicLong();
      FunctionCounter.builder("redfleet.fleet." + f.replace('_', '.'), value, AtomicLong::get)
          .description("Fleet-wide '" + f + "' counter of the stats hash in Redis").register(metrics.registry());
      return value;
    });
  }

  private boolean ready() {
    return inFleet && System.nanoTime() - lastPollOkNanos < TimeUnit.MILLISECONDS.toNanos(3 * POLL_MS);
  }

  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    StatusReport.take(scripts, shards, settings.staleMs())
        .compose(s -> store.figures().publishTotals(nodeId, metrics.handledTotal(), metrics.failedTotal(), LATEST_ERRORS)
            .map(figures -> {
              polled(s, figures.totals(), figures.latestErrors());
              return null;
            }))
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          polling = false;
          if (ar.succeeded()) {
            backoff.succeeded();
          } else {
            inFleet = false;
            backoff.failed(ar.cause());
          }
        });
  }

  private void polled(JsonObject s, Map<String, FiguresStore.NodeTotals> totals, List<FiguresStore.ShardEntry> errors) {
    long now = s.getLong("redisTime");
    queueDepth.set(s.getLong("queue"));
    errorsWaiting.set(s.getLong("errors"));
    fleetInFlight.set(s.getLong("inFlight"));
    nodesAlive.set(s.getLong("liveNodes"));
    fleetHandlers.set(s.getJsonArray("handlers", new JsonArray()).size());
    long newEpoch = s.getLong("epoch");
    long oldEpoch = epoch.getAndSet(newEpoch);
    if (oldEpoch > 0 && newEpoch > oldEpoch) {
      leaderChanges.addAndGet(newEpoch - oldEpoch);
    }
    JsonObject stats = s.getJsonObject("stats");
    for (String field : stats.fieldNames()) {
      fleetStat(field).set(stats.getLong(field));
    }
    boolean alive = false;
    Set<String> known = new HashSet<>();
    for (Object o : s.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      known.add(n.getString("node"));
      alive |= n.getString("node").equals(nodeId) && n.getBoolean("alive");
    }
    inFleet = alive;
    lastPollOkNanos = System.nanoTime();

    // every node's own rate, from the change of its totals since the last poll
    Map<String, long[]> current = new HashMap<>();
    JsonObject rates = new JsonObject();
    double seconds = previousTotalsAt > 0 ? Math.max(0.001, (now - previousTotalsAt) / 1000.0) : 0;
    List<String> gone = new java.util.ArrayList<>();
    for (Map.Entry<String, FiguresStore.NodeTotals> entry : totals.entrySet()) {
      String node = entry.getKey();
      long[] value = {entry.getValue().handled(), entry.getValue().failed()};
      if (!known.contains(node)) {
        gone.add(node);
        continue;
      }
      current.put(node, value);
      long[] before = previousTotals.get(node);
      JsonObject rate = new JsonObject().put("handled", value[0]).put("failed", value[1]);
      if (before != null && seconds > 0) {
        rate.put("handledPerSec", Math.max(0, Math.round((value[0] - before[0]) / seconds)));
        rate.put("failedPerSec", Math.max(0, Math.round((value[1] - before[1]) / seconds)));
      }
      rates.put(node, rate);
    }
    if (generator && !gone.isEmpty()) {
      // nodes that left without deleting their field (SIGKILL): the generator tidies up
      store.figures().forgetTotals(gone);
    }
    previousTotals = current;
    previousTotalsAt = now;

    // each entry as its exact text (what the page's actions name it by) and its fields when it is JSON
    JsonArray latest = new JsonArray();
    for (FiguresStore.ShardEntry tagged : errors) {
      ErrorStore.Entry e = tagged.entry();
      String text = e.text();
      JsonObject entry = new JsonObject().put("entry", text).put("exact", e.utf8());
      try {
        JsonObject fields = new JsonObject(text);
        entry.put("fields", fields);
        if (shards.count() > 1) {
          // the shard names the list an action acts on; the fields hold the shard's own id
          entry.put("shard", tagged.shard());
          if (fields.getValue("id") instanceof Number local && local.longValue() > 0) {
            entry.put("id", shards.globalId(tagged.shard(), local.longValue()));
          }
        }
      } catch (DecodeException | ClassCastException notAnObject) {
        entry.putNull("fields");
        if (shards.count() > 1) {
          entry.put("shard", tagged.shard());
        }
      }
      latest.add(entry);
    }
    synchronized (history) {
      history.addLast(new JsonArray().add(now).add(stats.getLong("processed", 0L))
          .add(stats.getLong("failed", 0L)).add(stats.getLong("produced", 0L)));
      while (history.size() > HISTORY) {
        history.removeFirst();
      }
    }
    nodeRates = rates;
    latestErrors = latest;
    status = s;
  }

  private void serve(HttpServerRequest request) {
    // every answer: no content sniffing; the page: scripts, styles and calls from this node only
    request.response().putHeader("X-Content-Type-Options", "nosniff");
    if (request.path().equals(MessagesEndpoint.PATH)) {
      messages.handle(request);
      return;
    }
    if (ActionsEndpoint.serves(request.path())) {
      actions.handle(request);
      return;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
      return;
    }
    String path = request.path();
    switch (path) {
      case "/metrics" -> request.response()
          .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(metrics.registry().scrape());
      case "/health", "/ready" -> {
        boolean ready = ready();
        request.response().setStatusCode(ready ? 200 : 503)
            .putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-store")
            .end(new JsonObject().put("status", ready ? "UP" : "DOWN").put("node", nodeId)
                .put("redis", System.nanoTime() - lastPollOkNanos < TimeUnit.MILLISECONDS.toNanos(3 * POLL_MS))
                .put("inFleet", inFleet).encode());
      }
      case "/api/status" -> {
        JsonObject s = status;
        JsonObject body = s == null ? new JsonObject().putNull("status") : s.copy();
        synchronized (history) {
          body.put("history", new JsonArray(List.copyOf(history)));
        }
        body.put("self", nodeId).put("ready", ready()).put("nodeRates", nodeRates).put("latestErrors", latestErrors)
            .put("actions", actions.forPage());
        request.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
            .end(body.encode());
      }
      default -> {
        Buffer file = web.get(path.equals("/") ? "/index.html" : path);
        if (file == null) {
          request.response().setStatusCode(404).end("not found\n");
        } else {
          request.response().putHeader("Content-Type", contentType(path))
              .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY).end(file);
        }
      }
    }
  }

  private static String contentType(String path) {
    if (path.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (path.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    return "text/html; charset=utf-8";
  }
}
