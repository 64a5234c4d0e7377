package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TcpProxy;
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
    private final String url;
    private final ElectionTimings timings;
    Vertx vertx;
    String deployment;

    Node(String id) {
      this(id, null, TIMINGS);
    }

    /** @param url where this node reaches Redis (null: the server itself) */
    Node(String id, String url, ElectionTimings timings) {
      this.id = id;
      this.url = url;
      this.timings = timings;
    }

    void start() {
      vertx = Vertx.vertx();
      vertx.eventBus().<io.vertx.core.json.JsonObject>localConsumer(Leadership.ADDRESS,
          m -> events.add(Leadership.fromJson(m.body())));
      Scripts scripts = new Scripts(RedisConnector.create(vertx, url == null ? server.url() : url).pooled(2));
      deployment = TestRedis.await(vertx.deployVerticle(new ElectionVerticle(scripts, new Keys("test"), id, timings)));
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
        vertx = null;
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
    // announced before the lease is released; this test's consumer runs on another event loop, so
    // the announcement may reach it just after the undeploy completed
    Waits.until("the stopped leader to announce it no longer leads", Duration.ofSeconds(1), () -> !leader.leads());
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

  /**
   * Issue 15 section 5: a renewal still on its way when the leader steps down (its local deadline
   * passed first) renews the lease for a node that no longer generates. Before, nobody could take
   * the lease for another whole leaseMs; now the node releases it when the late answer comes.
   */
  @Test
  void aRenewalThatAnswersAfterTheStepDownDoesNotLeaveAnOrphanedLease() throws Exception {
    a.close();
    b.close();
    redis.call("FLUSHALL");
    ElectionTimings longLease = new ElectionTimings(3000, 250, 100);
    try (TcpProxy proxy = new TcpProxy(server.port())) {
      Node cut = new Node("cut", "redis://127.0.0.1:" + proxy.port(), longLease);
      Node other = new Node("other", null, longLease);
      try {
        cut.start();
        Waits.until("cut leads", Duration.ofSeconds(5), cut::leads);
        other.start();
        proxy.cut();
        // the lease is still alive in Redis when the held renewal arrives (as with a slow link)
        redis.call("PEXPIRE", redis.keys.leader(), 60_000);
        Waits.until("cut steps down", Duration.ofSeconds(10), () -> !cut.leads());
        assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("cut:1");
        proxy.heal();
        long healedAt = System.nanoTime();
        Waits.until("a lease of epoch 2", Duration.ofSeconds(10),
            () -> String.valueOf(redis.string("GET", redis.keys.leader())).endsWith(":2"));
        long tookMs = (System.nanoTime() - healedAt) / 1_000_000;
        System.out.println("FIGURE late renewal after step-down: a new lease " + tookMs + " ms after the answer could arrive");
        // an orphaned lease would have lived another leaseMs (3000 ms) after the renewal
        assertThat(tookMs).isLessThan(longLease.leaseMs() / 2);
      } finally {
        cut.close();
        other.close();
      }
    }
  }
}
