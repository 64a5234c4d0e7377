package dev.redfleet.ops;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While this node is the leader, returns the messages of silent nodes to the queue. A silent node
 * stays known, and is reaped again, until it has been silent longer than any blocking pop it may
 * still have pending ({@code forgetMs}).
 */
public final class ReaperVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ReaperVerticle.class);
  private static final int NODES_PER_PASS = 100;

  /**
   * @param intervalMs how often the leader looks for silent nodes
   * @param staleMs a node silent this long is considered dead
   * @param forgetMs a node silent this long is forgotten after its messages are returned
   */
  public record Settings(long intervalMs, long staleMs, long forgetMs) {}

  private final Scripts scripts;
  private final Keys keys;
  private final String nodeId;
  private final Settings settings;
  private final Backoff backoff = new Backoff(log, "reaper", 100, 5000);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;
  private boolean passRunning;

  public ReaperVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings) {
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(Leadership.ADDRESS, message -> {
      if (Leadership.fromJson(message.body()).leader()) {
        startReaping();
      } else {
        stopReaping();
      }
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopReaping();
    return consumer.unregister();
  }

  private void startReaping() {
    if (timer == -1) {
      timer = vertx.setPeriodic(1, settings.intervalMs(), id -> pass());
    }
  }

  private void stopReaping() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void pass() {
    if (passRunning) {
      return;
    }
    passRunning = true;
    scripts.run(Script.STALE_NODES, List.of(keys.nodes()), List.of(settings.staleMs(), NODES_PER_PASS))
        .compose(stale -> {
          List<Future<?>> reaps = new ArrayList<>();
          for (Response node : stale) {
            String silent = node.toString();
            if (!silent.equals(nodeId)) {
              reaps.add(reap(silent));
            }
          }
          return Future.join(reaps);
        })
        .onComplete(ar -> {
          passRunning = false;
          if (ar.succeeded()) {
            backoff.succeeded();
          } else {
            backoff.failed(ar.cause());
          }
        });
  }

  private Future<Response> reap(String silent) {
    return scripts.run(Script.REQUEUE_NODE, keys.requeueNode(silent),
            List.of(silent, settings.staleMs(), settings.forgetMs()))
        .onSuccess(r -> {
          long moved = r.get(0).toLong();
          if (moved > 0) {
            log.warn("node {} is silent: {} of its message(s) returned to the queue", silent, moved);
          }
          if (r.get(1).toLong() == 1) {
            log.info("node {} forgotten after {} ms of silence", silent, settings.forgetMs());
          }
        });
  }
}
