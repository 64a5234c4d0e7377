package dev.redfleet.handler;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.CompletionStageHandler;
import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerContext;
import dev.redfleet.api.HandlerFactory;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.VisibleSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of one node: given in code, or named by the {@code handler} setting and resolved by
 * {@link HandlerLoader} before the node connects. {@link #bind} turns it into the single
 * {@link Handler} every worker verticle of the node calls: an asynchronous handler as it is (no
 * wrapper, no extra future per message), a blocking one wrapped to run on the node's handler pool.
 */
public final class HandlerSource {
  private static final Logger log = LoggerFactory.getLogger(HandlerSource.class);

  private final String description;
  /** What the node records as its handler in {@code <ns>:handlers}, for {@code status} and the mismatch warning. */
  private final String name;
  private final Object target;
  /** True when the node created the instance (a plug-in): it closes it when it leaves. */
  private final boolean owned;
  private Vertx vertx;
  private int threads;
  private String poolName;
  private WorkerExecutor pool;
  private Object created;

  HandlerSource(String description, String name, Object target, boolean owned) {
    this.description = description;
    this.name = name;
    this.target = target;
    this.owned = owned;
  }

  /** An asynchronous handler given in code. */
  public static HandlerSource of(Handler handler) {
    return new HandlerSource("asynchronous handler " + handler.getClass().getName(), nameOf(handler.getClass()), handler, false);
  }

  /** A blocking handler given in code. */
  public static HandlerSource of(BlockingHandler handler) {
    return new HandlerSource("blocking handler " + handler.getClass().getName(), nameOf(handler.getClass()), handler, false);
  }

  /** A handler given in code that answers with a CompletionStage. */
  public static HandlerSource of(CompletionStageHandler handler) {
    return new HandlerSource("completion-stage handler " + handler.getClass().getName(), nameOf(handler.getClass()), handler, false);
  }

  /** The handler the {@code handler} setting names, loaded with the {@code plugins} directory. */
  public static HandlerSource named(FleetConfig config) {
    return HandlerLoader.load(config.handler(), config.plugins());
  }

  /** What runs, for the log: kind and class or factory name. */
  public String description() {
    return description;
  }

  /**
   * The handler's name, the same in every process that runs the same handler: a factory's name
   * ({@code simulated}, a plug-in's name), else the class name. A lambda's class name ends in a
   * number the JVM makes up per process ({@code App$$Lambda$14/0x...}): cut to {@code App$$Lambda}.
   */
  public String name() {
    return name;
  }

  static String nameOf(Class<?> type) {
    String className = type.getName();
    int lambda = className.indexOf("$$Lambda");
    if (lambda >= 0) {
      return className.substring(0, lambda + "$$Lambda".length());
    }
    int hidden = className.indexOf('/');
    return hidden >= 0 ? className.substring(0, hidden) : className;
  }

  /**
   * The handler the worker verticles call. A factory's {@code create} runs here, once; if it throws,
   * this throws a {@link ConfigException} naming the factory.
   */
  public Handler bind(Vertx vertx, FleetConfig config) {
    this.vertx = vertx;
    this.threads = config.handlerThreads();
    this.poolName = "redfleet-handler-" + config.nodeId();
    if (target instanceof Handler handler) {
      return handler;
    }
    if (target instanceof BlockingHandler blocking) {
      return pooled(blocking);
    }
    if (target instanceof CompletionStageHandler staged) {
      return staged(staged);
    }
    HandlerFactory factory = (HandlerFactory) target;
    Handler handler;
    try {
      handler = factory.create(new Context(vertx, config));
    } catch (Exception | LinkageError | AssertionError e) {
      throw new ConfigException("handler '" + factory.name() + "' (" + factory.getClass().getName()
          + "): create failed: " + HandlerLoader.describe(e));
    }
    if (handler == null) {
      throw new ConfigException("handler '" + factory.name() + "' (" + factory.getClass().getName() + "): create returned null");
    }
    created = handler;
    return handler;
  }

  /**
   * A stage completed on any thread becomes a Vert.x future completed on that thread: the worker
   * takes every answer back on its own context.
   */
  static Handler staged(CompletionStageHandler handler) {
    return message -> {
      java.util.concurrent.CompletionStage<Void> stage;
      try {
        stage = handler.handle(message);
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      if (stage == null) {
        return null;
      }
      io.vertx.core.Promise<Void> answer = io.vertx.core.Promise.promise();
      stage.whenComplete((v, e) -> {
        if (e == null) {
          answer.complete();
        } else {
          answer.fail(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
        }
      });
      return answer.future();
    };
  }

  private Handler pooled(BlockingHandler blocking) {
    if (pool == null) {
      pool = vertx.createSharedWorkerExecutor(poolName, threads);
    }
    return new PooledHandler(pool, blocking);
  }

  /**
   * After the workers are gone: closes the handler pool, and a handler the node created itself if it
   * is {@link AutoCloseable}.
   */
  public Future<Void> close() {
    WorkerExecutor closing = pool;
    pool = null;
    Object instance = created != null ? created : (owned ? target : null);
    created = null;
    return dev.redfleet.plugin.PluginClasses.close(vertx, closing, instance, "handler");
  }

  /** What a factory gets. */
  private final class Context implements HandlerContext {
    private final Vertx vertx;
    private final FleetConfig config;

    Context(Vertx vertx, FleetConfig config) {
      this.vertx = vertx;
      this.config = config;
    }

    @Override
    public Vertx vertx() {
      return vertx;
    }

    @Override
    public String nodeId() {
      return config.nodeId();
    }

    @Override
    public JsonObject settings() {
      return settingsOf(config);
    }

    @Override
    public Handler blocking(BlockingHandler handler) {
      return pooled(handler);
    }
  }

  /** The settings by file key; the secrets are left out. */
  static JsonObject settingsOf(FleetConfig config) {
    return VisibleSettings.of(config);
  }
}
