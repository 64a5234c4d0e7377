package dev.redfleet.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * This process's own counts, kept cheap for the hot path: outcomes are added once per finish
 * batch, in-flight changes are {@link LongAdder}s, and the two histograms are {@link Histogram}s
 * (no clock read of their own; the pickup time is read once per claimed batch). The registry reads
 * them only when {@code /metrics} is scraped. {@link #OFF} (no HTTP port) does nothing at all.
 */
public final class NodeMetrics {
  /** The node has no HTTP port: nothing is counted. */
  public static final NodeMetrics OFF = new NodeMetrics();
  private JvmGcMetrics jvmGc;

  private final boolean enabled;
  private final PrometheusMeterRegistry registry;
  private final LongSupplier redisNowMs;
  private final LongAdder produced = new LongAdder();
  private final LongAdder handled = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder staleDropped = new LongAdder();
  private final LongAdder inFlight = new LongAdder();
  private final Histogram handlerDuration;
  private final Histogram pickupLatency;

  private NodeMetrics() {
    enabled = false;
    registry = null;
    redisNowMs = () -> 0;
    handlerDuration = null;
    pickupLatency = null;
  }

  /**
   * @param redisNowMs "now" on the Redis clock in ms (the local clock stands in until the first sample)
   */
  public NodeMetrics(String nodeId, LongSupplier redisNowMs) {
    this.enabled = true;
    this.redisNowMs = redisNowMs;
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(Tags.of("node", nodeId));
    // the JVM and the process, as every Micrometer user expects them: jvm_* and process_*
    new JvmMemoryMetrics().bindTo(registry);
    jvmGc = new JvmGcMetrics();
    jvmGc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    FunctionCounter.builder("redfleet.messages.produced", produced, LongAdder::sum)
        .description("Messages this node added to the queue as the generator").register(registry);
    FunctionCounter.builder("redfleet.messages.handled", handled, LongAdder::sum)
        .description("Outcomes (success, failure, malformed) this node recorded in Redis").register(registry);
    FunctionCounter.builder("redfleet.messages.failed", failed, LongAdder::sum)
        .description("Failed outcomes (handler error or timeout) this node recorded").register(registry);
    FunctionCounter.builder("redfleet.messages.stale.dropped", staleDropped, LongAdder::sum)
        .description("Late outcomes of this node dropped because their delivery was no longer in flight here "
            + "(handed to another worker, or recorded by an earlier call whose answer was lost)")
        .register(registry);
    Gauge.builder("redfleet.messages.in.flight", inFlight, LongAdder::sum)
        .description("Messages whose handler is running on this node").register(registry);
    handlerDuration = new Histogram("redfleet_handler_duration_seconds",
        "Time from handler start to its outcome on this node", nodeId);
    pickupLatency = new Histogram("redfleet_pickup_latency_seconds",
        "Time from produce to handler start, both on the Redis clock", nodeId);
    registry.getPrometheusRegistry().register(handlerDuration);
    registry.getPrometheusRegistry().register(pickupLatency);
  }

  /** Stops the GC listener the JVM metrics registered (a node that stops must leave nothing behind). */
  public void close() {
    if (jvmGc != null) {
      jvmGc.close();
    }
  }

  public boolean enabled() {
    return enabled;
  }

  /** The registry the HTTP server scrapes and adds the fleet's gauges to; null when {@link #OFF}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** "Now" on the Redis clock, read once for a whole claimed batch; 0 when metrics are off. */
  public long pickedUpAt() {
    return enabled ? redisNowMs.getAsLong() : 0;
  }

  /**
   * A handler starts on a message produced at {@code producedAtMs} and picked up at
   * {@code pickedUpAtMs} (both Redis clock, ms; a produce time of 0 is unknown and not measured).
   */
  public void handlerStarted(long producedAtMs, long pickedUpAtMs) {
    if (!enabled) {
      return;
    }
    inFlight.increment();
    if (producedAtMs > 0) {
      pickupLatency.recordNanos(Math.max(0, pickedUpAtMs - producedAtMs) * 1_000_000L);
    }
  }

  /** A handler that ran {@code tookNanos} has an outcome. */
  public void handlerEnded(long tookNanos) {
    if (!enabled) {
      return;
    }
    inFlight.decrement();
    handlerDuration.recordNanos(tookNanos);
  }

  /** One finish call came back: outcomes recorded, how many of the sent ones were failures, late ones dropped. */
  public void outcomesRecorded(long recorded, long failures, long dropped) {
    if (!enabled) {
      return;
    }
    handled.add(recorded);
    failed.add(failures);
    staleDropped.add(dropped);
  }

  public void produced(long count) {
    if (enabled && count > 0) {
      produced.add(count);
    }
  }

  public long handledTotal() {
    return handled.sum();
  }

  public long failedTotal() {
    return failed.sum();
  }
}
