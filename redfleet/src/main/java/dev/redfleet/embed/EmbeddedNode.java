package dev.redfleet.embed;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.CompletionStageHandler;
import dev.redfleet.api.Handler;
import dev.redfleet.api.NodeBuilder;
import dev.redfleet.api.RedfleetNode;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import dev.redfleet.handler.HandlerSource;
import dev.redfleet.ops.FleetNode;
import dev.redfleet.source.SourceSetup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implementation behind {@link dev.redfleet.api.Redfleet#node()}: a {@code run} without the
 * process around it. It reads {@link NodeBuilder#args} as {@code run}'s options ({@link NodeArgs}:
 * one per {@link Setting}) and the same sources through {@link ConfigLoader}, so an embedded node and
 * {@code run} accept exactly the same settings.
 */
public final class EmbeddedNode implements RedfleetNode {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedNode.class);
  private final FleetNode node;
  private final Vertx vertx;
  private final boolean ownVertx;
  private Future<Void> stopped;

  private EmbeddedNode(FleetNode node, Vertx vertx, boolean ownVertx) {
    this.node = node;
    this.vertx = vertx;
    this.ownVertx = ownVertx;
    // another live process took the id: the node stops itself, the embedding JVM goes on
    node.identityLost().onSuccess(e -> {
      log.error("{}", e.getMessage());
      stop(new IllegalStateException(e.getMessage()));
    });
  }

  @Override
  public String nodeId() {
    return node.nodeId();
  }

  @Override
  public Future<Void> stop() {
    return stop(null);
  }

  /** @param reason why the node stopped by itself (the future fails with it), or null when asked to */
  private synchronized Future<Void> stop(Throwable reason) {
    if (stopped == null) {
      Promise<Void> done = Promise.promise();
      node.stop().onComplete(left -> {
        io.vertx.core.AsyncResult<Void> outcome = reason == null ? left : Future.failedFuture(reason);
        if (!ownVertx) {
          done.handle(outcome);
          return;
        }
        close(vertx).onComplete(closed -> done.handle(outcome));
      });
      stopped = done.future();
    }
    return stopped;
  }

  /**
   * Closes a Vert.x instance from a thread of its own: a close started on one of its event loops
   * hands its completion to a loop that is shutting down, and never completes.
   */
  private static Future<Void> close(Vertx vertx) {
    Promise<Void> closed = Promise.promise();
    Thread closer = new Thread(() -> vertx.close().onComplete(ar -> closed.complete()), "redfleet-node-stop");
    closer.setDaemon(true);
    closer.start();
    return closed.future();
  }

  /** Collects the builder's calls; everything is checked in {@link #start()}. */
  public static final class Builder implements NodeBuilder {
    private Handler handler;
    private BlockingHandler blockingHandler;
    private CompletionStageHandler stageHandler;
    private String[] args = new String[0];
    private Path configFile;
    private Map<String, String> env;
    private final Map<String, Object> settings = new HashMap<>();
    private final List<String> unknownKeys = new ArrayList<>();
    private Vertx vertx;
    private boolean started;

    @Override
    public NodeBuilder handler(Handler handler) {
      this.handler = handler;
      this.blockingHandler = null;
      this.stageHandler = null;
      return this;
    }

    @Override
    public NodeBuilder blockingHandler(BlockingHandler handler) {
      this.blockingHandler = handler;
      this.handler = null;
      this.stageHandler = null;
      return this;
    }

    @Override
    public NodeBuilder stageHandler(CompletionStageHandler handler) {
      this.stageHandler = handler;
      this.handler = null;
      this.blockingHandler = null;
      return this;
    }

    @Override
    public NodeBuilder args(String... args) {
      this.args = args.clone();
      return this;
    }

    @Override
    public NodeBuilder configFile(Path file) {
      this.configFile = file;
      return this;
    }

    @Override
    public NodeBuilder env(Map<String, String> env) {
      this.env = Map.copyOf(env);
      return this;
    }

    @Override
    public NodeBuilder set(String key, Object value) {
      boolean known = Arrays.stream(Setting.values()).anyMatch(s -> s.key.equals(key));
      if (!known) {
        unknownKeys.add(key);
      }
      settings.put(key, value);
      return this;
    }

    @Override
    public NodeBuilder config(JsonObject values) {
      values.forEach(e -> set(e.getKey(), e.getValue()));
      return this;
    }

    @Override
    public NodeBuilder vertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    @Override
    public synchronized Future<RedfleetNode> start() {
      if (started) {
        return Future.failedFuture(new IllegalStateException("start() was called already on this builder"));
      }
      started = true;
      boolean own = vertx == null;
      Vertx vx = own ? Vertx.vertx() : vertx;
      // reading the file and loading plug-in classes block:
      // on a thread of its own, never an event loop or a Vert.x worker the wait could starve
      Promise<Prepared> prepared = Promise.promise();
      Thread reader = new Thread(() -> {
        try {
          prepared.complete(prepare(vx));
        } catch (Throwable e) {
          prepared.fail(e);
        }
      }, "redfleet-node-start");
      reader.setDaemon(true);
      reader.start();
      return prepared.future()
          .compose(p -> FleetNode.start(vx, p.config(), p.handlers(), p.sources()))
          .<RedfleetNode>map(node -> new EmbeddedNode(node, vx, own))
          .recover(e -> (own ? close(vx) : Future.<Void>succeededFuture())
              .transform(ignored -> Future.failedFuture(oneLine(e))));
    }

    private record Prepared(FleetConfig config, HandlerSource handlers, SourceSetup sources) {}

    private Prepared prepare(Vertx vx) {
      if (!unknownKeys.isEmpty()) {
        throw new ConfigException("unknown setting '" + unknownKeys.get(0) + "' given to set() (known: "
            + String.join(", ", Arrays.stream(Setting.values()).map(s -> s.key).sorted().toList()) + ")");
      }
      NodeArgs parsed = NodeArgs.parse(args);
      Map<Setting, String> cli = new EnumMap<>(parsed.settings());
      for (Setting s : Setting.values()) {
        if (settings.containsKey(s.key) && settings.get(s.key) != null) {
          cli.put(s, String.valueOf(settings.get(s.key)));
        }
      }
      Path file = configFile != null ? configFile : parsed.configFile();
      FleetConfig config = ConfigLoader.load(vx, file, env, cli);
      HandlerSource handlers = handler != null ? HandlerSource.of(handler)
          : blockingHandler != null ? HandlerSource.of(blockingHandler)
          : stageHandler != null ? HandlerSource.of(stageHandler)
          : HandlerSource.named(config);
      return new Prepared(config, handlers, SourceSetup.named(config));
    }

    /** Settings and handler problems become one-line IllegalArgumentExceptions; the rest passes. */
    private static Throwable oneLine(Throwable e) {
      if (e instanceof ConfigException) {
        return new IllegalArgumentException("bad configuration: " + e.getMessage());
      }
      if (e instanceof NodeArgs.BadArgument) {
        return new IllegalArgumentException("bad argument: " + e.getMessage());
      }
      return e;
    }
  }
}
