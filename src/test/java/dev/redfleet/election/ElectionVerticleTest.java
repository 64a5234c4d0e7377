package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two election verticles, each in its own Vert.x (as in two processes), against a real Redis. */
@ExtendWith(VertxExtension.class)
class ElectionVerticleTest {
  private static final ElectionTimings TIMINGS = new ElectionTimings(1000, 250, 100);

  private RedisServer server;
  private TestRedis redis;
  private final Node a = new Node("a");
  private final Node b = new Node("b");

  /** One member: its Vert.x, its election, and every leadership event it announced. */
  private final class Node {
    final String id;
    final List<Leadership> events = new CopyOnWriteArrayList<>();
    Vertx vertx;
    String deployment;

    Node(String id) {
      this.id = id;
    }

    void start() {
      vertx = Vertx.vertx();
      vertx.eventBus().<io.vertx.core.json.JsonObject>localConsumer(Leadership.ADDRESS,
          m -> events.add(Leadership.fromJson(m.body())));
      Scripts scripts = new Scripts(RedisConnector.create(vertx, server.url()).pooled(2));
      deployment = TestRedis.await(vertx.deployVerticle(new ElectionVerticle(scripts, new Keys("test"), id, TIMINGS)));
    }

    boolean leads() {
      return !events.isEmpty() && events.get(events.size() - 1).leader();
    }

    void stopElection() {
      TestRedis.await(vertx.undeploy(deployment));
    }

    void close() {
      if (vertx != null) {
        TestRedis.await(vertx.close());
      }
    }
  }

  @BeforeEach
  void start() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "test");
    a.start();
    b.start();
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    redis.close();
    server.close();
  }

  private Node leader() {
    Waits.until("a leader", Duration.ofSeconds(5), () -> a.leads() || b.leads());
    return a.leads() ? a : b;
  }

  @Test
  void exactlyOneLeadsAndItsTokenIsTheLease() {
    Node leader = leader();
    Waits.pause(1500); // several renewals and follower attempts
    assertThat(a.leads() ^ b.leads()).isTrue();
    Leadership current = leader.events.get(leader.events.size() - 1);
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo(current.token()).isEqualTo(leader.id + ":1");
    Node other = leader == a ? b : a;
    assertThat(other.events).noneMatch(Leadership::leader);
  }

  @Test
  void aStoppingLeaderReleasesTheLeaseAndTheOtherTakesOverWithTheNextEpoch() {
    Node leader = leader();
    Node other = leader == a ? b : a;
    long start = System.nanoTime();
    leader.stopElection();
    assertThat(leader.leads()).isFalse();
    long tookMs = Waits.until("takeover", Duration.ofSeconds(5), other::leads);
    assertThat(tookMs).isLessThan(TIMINGS.retryMs() + 500);
    assertThat(other.events.get(other.events.size() - 1).epoch()).isEqualTo(2);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(TIMINGS.leaseMs());
  }

  @Test
  void aLeaderThatCannotReachRedisStepsDownBeforeItsLeaseCouldExpire() {
    Node leader = leader();
    long killedAt = System.nanoTime();
    server.kill();
    long steppedDownMs = Waits.until("step down", Duration.ofSeconds(5), () -> !leader.leads());
    // the lease could live up to leaseMs after the last renewal; the leader gave up before that
    assertThat(steppedDownMs).isLessThan(TIMINGS.leaseMs());
    assertThat((System.nanoTime() - killedAt) / 1_000_000).isGreaterThan(TIMINGS.leaseMs() - TIMINGS.renewMs() - TIMINGS.safetyMarginMs() - 100);

    server.restart();
    Waits.until("a leader after Redis came back", Duration.ofSeconds(10), () -> a.leads() || b.leads());
  }
}
