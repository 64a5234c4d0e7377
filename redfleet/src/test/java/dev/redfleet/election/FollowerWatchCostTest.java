package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.liveness.Anchor;
import dev.redfleet.liveness.ClientLiveness;
import dev.redfleet.liveness.LivenessVerdict;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnectionOptions.Topology;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.AnchorLike;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A follower watches the generator's connection (a script call and a CLIENT LIST every livenessMs)
 * only where that can conclude: not in a Redis Cluster, and not after Redis refused CLIENT LIST to
 * its user. Counted with Redis's own command statistics, against a lease held by a live connection
 * of "another process".
 */
class FollowerWatchCostTest {
  private static final ElectionTimings TIMINGS = new ElectionTimings(60_000, 250, 60_000, 20);

  private RedisServer server;
  private TestRedis redis;
  private AnchorLike holder;
  private Vertx vertx;

  @BeforeEach
  void leaseHeldByAnotherLiveProcess() throws Exception {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "test");
    holder = new AnchorLike(server.port(), redis);
    redis.call("SET", redis.keys.leader(), "other:1", "PX", 60_000);
    redis.call("SET", redis.keys.epoch(), 1);
    redis.call("SET", redis.keys.leaderAnchor(), "other:1|" + holder.identity);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      TestRedis.await(vertx.close());
    }
    holder.close();
    redis.close();
    server.close();
  }

  /** Starts a follower on {@code url} that judges connections as {@code topology} does; returns its script calls in 1 s. */
  private long followerScriptCallsPerSecond(String url, Topology topology) {
    RedisConnector connector = RedisConnector.create(vertx, url);
    Anchor anchor = new Anchor(connector);
    TestRedis.await(vertx.deployVerticle(anchor));
    ClientLiveness liveness = ClientLiveness.viaAnchor(anchor, topology);
    Scripts scripts = new Scripts(connector.pooled(2));
    TestRedis.await(vertx.deployVerticle(new ElectionVerticle(scripts, new Keys("test"), "f", TIMINGS, anchor, new LivenessVerdict(anchor, liveness))));
    // its first acquire attempt (refused: the lease is held), the first watch ticks
    Waits.pause(500);
    long before = calls("evalsha") + calls("eval");
    Waits.pause(1000);
    long calls = calls("evalsha") + calls("eval") - before;
    System.out.println("FIGURE follower, " + topology + (url.contains("fleet:") ? " without client|list" : "") + ": "
        + calls + " script calls in 1 s at livenessMs " + TIMINGS.livenessMs());
    return calls;
  }

  private long calls(String command) {
    return stat(command, "calls");
  }

  private long stat(String command, String field) {
    for (String line : redis.string("INFO", "commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_" + command + ":")) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          if (part.startsWith(field + "=")) {
            return Long.parseLong(part.substring(field.length() + 1));
          }
        }
      }
    }
    return 0;
  }

  @Test
  void aFollowerThatCanJudgeConnectionsWatchesEveryLivenessMs() {
    long calls = followerScriptCallsPerSecond(server.url(), Topology.STANDALONE);
    // the control: 1 s at livenessMs 20 is about 50 checks (fewer on a loaded machine)
    assertThat(calls).as("lease-anchor calls in 1 s").isGreaterThanOrEqualTo(10);
    assertThat(calls("client|list")).isGreaterThanOrEqualTo(10);
  }

  @Test
  void inARedisClusterAFollowerDoesNotPollAtAll() {
    long calls = followerScriptCallsPerSecond(server.url(), Topology.CLUSTER);
    assertThat(calls).as("script calls in 1 s").isZero();
    assertThat(calls("client|list")).isZero();
  }

  @Test
  void afterRedisRefusesClientListAFollowerStopsPolling() {
    redis.call("ACL", "SETUSER", "fleet", "on", ">secret", "~*", "&*", "+@all", "-client|list");
    long calls = followerScriptCallsPerSecond("redis://fleet:secret@127.0.0.1:" + server.port(), Topology.STANDALONE);
    assertThat(calls).as("script calls in 1 s").isZero();
    assertThat(stat("client|list", "rejected_calls")).as("CLIENT LIST asked once").isEqualTo(1);
  }
}
