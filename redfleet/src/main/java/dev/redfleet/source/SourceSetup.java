package dev.redfleet.source;

import dev.redfleet.api.BlockingSource;
import dev.redfleet.api.Source;
import dev.redfleet.api.SourceContext;
import dev.redfleet.api.SourceFactory;
import dev.redfleet.config.ConfigException;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.VisibleSettings;
import dev.redfleet.plugin.PluginClasses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source of one node, named by the {@code source} setting and resolved by {@link SourceLoader}
 * before the node connects. {@link #bind} creates the {@link Source} the generator asks (a
 * factory's {@code create} runs there, once, on every node: its checks stop a badly configured
 * node before it joins); blocking sources run on the node's source thread.
 */
public final class SourceSetup {
  private static final Logger log = LoggerFactory.getLogger(SourceSetup.class);
  static final String SIMULATED = "simulated";
  static final String NONE = "none";
  /** Threads of the pool blocking sources run on: the generator asks one batch at a time. */
  static final int POOL_THREADS = 1;

  /** What the generator does with it. */
  public enum Kind {
    /** Random bodies, no cursor: the generator's own fast path. */
    SIMULATED,
    /** Nothing: no generation at all (the elected node still moves retries and reaps). */
    NONE,
    /** A {@link Source}: built-in or plug-in, with a cursor. */
    PLUGGED
  }

  private final Kind kind;
  private final String description;
  private final Object target;
  /** True when the node created the instance (a class named by the user): it closes it when it leaves. */
  private final boolean owned;
  private Vertx vertx;
  private String poolName;
  private WorkerExecutor pool;
  private Object created;

  SourceSetup(Kind kind, String description, Object target, boolean owned) {
    this.kind = kind;
    this.description = description;
    this.target = target;
    this.owned = owned;
  }

  /** The source the {@code source} setting names, loaded with the {@code plugins} directory. */
  public static SourceSetup named(FleetConfig config) {
    return SourceLoader.load(config.source(), config.plugins());
  }

  public Kind kind() {
    return kind;
  }

  /** What runs, for the log. */
  public String description() {
    return description;
  }

  /**
   * The source the generator asks; null for {@link Kind#SIMULATED} and {@link Kind#NONE}. A
   * factory's {@code create} runs here, once; if it throws, this throws a {@link ConfigException}
   * (a built-in's own one-line message, or one naming the plug-in factory).
   *
   * @param fleetClockMs the Redis clock as this node estimates it, or -1 before its first sample
   */
  public Source bind(Vertx vertx, FleetConfig config, LongSupplier fleetClockMs) {
    this.vertx = vertx;
    this.poolName = "redfleet-source-" + config.nodeId();
    if (kind != Kind.PLUGGED) {
      return null;
    }
    if (target instanceof Source source) {
      return source;
    }
    if (target instanceof BlockingSource blocking) {
      return pooled(blocking);
    }
    SourceFactory factory = (SourceFactory) target;
    Source source;
    try {
      source = factory.create(new Context(vertx, config, fleetClockMs));
    } catch (ConfigException e) {
      throw e;
    } catch (Exception | LinkageError | AssertionError e) {
      throw new ConfigException("source '" + factory.name() + "' (" + factory.getClass().getName()
          + "): create failed: " + PluginClasses.describe(e));
    }
    if (source == null) {
      throw new ConfigException("source '" + factory.name() + "' (" + factory.getClass().getName() + "): create returned null");
    }
    created = source;
    return source;
  }

  private Source pooled(BlockingSource blocking) {
    if (pool == null) {
      pool = vertx.createSharedWorkerExecutor(poolName, POOL_THREADS);
    }
    WorkerExecutor executor = pool;
    return (cursor, max) -> executor.executeBlocking(() -> blocking.next(cursor, max));
  }

  /** When the node leaves: closes the source pool, and a source the node created if it is {@link AutoCloseable}. */
  public Future<Void> close() {
    WorkerExecutor closing = pool;
    pool = null;
    Object instance = created != null ? created : (owned ? target : null);
    created = null;
    return dev.redfleet.plugin.PluginClasses.close(vertx, closing, instance, "source");
  }

  /** What a factory gets. */
  private final class Context implements SourceContext {
    private final Vertx vertx;
    private final FleetConfig config;
    private final LongSupplier fleetClockMs;

    Context(Vertx vertx, FleetConfig config, LongSupplier fleetClockMs) {
      this.vertx = vertx;
      this.config = config;
      this.fleetClockMs = fleetClockMs;
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
      return VisibleSettings.of(config);
    }

    @Override
    public long nowMs() {
      long redis = fleetClockMs.getAsLong();
      return redis >= 0 ? redis : System.currentTimeMillis();
    }

    @Override
    public Source blocking(BlockingSource source) {
      return pooled(source);
    }
  }
}
