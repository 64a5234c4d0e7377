package dev.redfleet.liveness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.liveness.LivenessVerdict.Verdict;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnectionOptions.Topology;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.NamedConnection;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The anchor in a real 3-master Redis Cluster: made on the master of the namespace's slot (found
 * through the cluster's redirects, also from seeds that do not serve it), judged there, and moved
 * with the slot when it migrates. Raw sockets named like anchors stand for other processes.
 */
class ClusterAnchorTest {
  private static final Keys KEYS = new Keys("anchortest");
  private static ClusterRedis cluster;
  private static Vertx vertx;

  @BeforeAll
  static void startCluster() {
    cluster = new ClusterRedis();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopCluster() {
    if (vertx != null) {
      TestRedis.await(vertx.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theAnchorLivesOnTheMasterOfTheNamespacesSlotJudgesThereAndFollowsTheSlotWhenItMoves() throws IOException {
    RedisServer home = cluster.masterOf(KEYS.anchors());
    // seeds that do not serve the slot: the anchor must get there by the cluster's redirect
    String seeds = "redis-cluster://" + String.join(",", cluster.masters.stream().filter(m -> m != home)
        .map(m -> "127.0.0.1:" + m.port()).toList());
    Anchor anchor = new Anchor(RedisConnector.create(vertx, seeds), KEYS.anchors());
    TestRedis.await(vertx.deployVerticle(anchor));
    LivenessVerdict verdict = new LivenessVerdict(anchor, ClientLiveness.viaAnchor(anchor, Topology.CLUSTER));
    assertThat(anchor.followsSlot()).isTrue();
    assertThat(verdict.refused()).isFalse();
    assertThat(Anchor.serverOf(anchor.identity())).isEqualTo(run(home));

    // another process's anchor on the same master: alive, then dead once its connection is gone
    NamedConnection other = new NamedConnection(home, "rf-" + run(home) + "-0ther0ther01");
    assertThat(TestRedis.await(verdict.judge(other.identity))).isEqualTo(Verdict.ALIVE);
    other.closeAndWait();
    assertThat(TestRedis.await(verdict.judge(other.identity))).isEqualTo(Verdict.DEAD);
    // one made on another master is not on this one, and that proves nothing
    RedisServer elsewhere = cluster.masters.stream().filter(m -> m != home).findFirst().orElseThrow();
    NamedConnection stranger = new NamedConnection(elsewhere, "rf-" + run(elsewhere) + "-0ther0ther02");
    assertThat(TestRedis.await(verdict.judge(stranger.identity))).isEqualTo(Verdict.UNKNOWN);

    // the slot moves: the anchor follows it (a new identity, on the new master), and judges there
    String before = anchor.identity();
    cluster.migrateSlotOf(KEYS.anchors(), elsewhere);
    Waits.until("the anchor on the new master", Duration.ofSeconds(10),
        () -> anchor.identity() != null && Anchor.serverOf(anchor.identity()).equals(run(elsewhere)));
    assertThat(anchor.identity()).isNotEqualTo(before);
    assertThat(TestRedis.await(verdict.judge(stranger.identity))).isEqualTo(Verdict.ALIVE);
    stranger.closeAndWait();
    assertThat(TestRedis.await(verdict.judge(stranger.identity))).isEqualTo(Verdict.DEAD);
    // the old master's anchors are another server's now: never evidence
    assertThat(TestRedis.await(verdict.judge(before))).isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void withoutTheNamespacesKeyAClusterAnchorJudgesNothing() {
    Anchor anchor = new Anchor(RedisConnector.create(vertx, cluster.url()));
    TestRedis.await(vertx.deployVerticle(anchor));
    LivenessVerdict verdict = new LivenessVerdict(anchor, ClientLiveness.viaAnchor(anchor, Topology.CLUSTER));
    assertThat(anchor.followsSlot()).isFalse();
    assertThat(verdict.refused()).isTrue();
    assertThat(TestRedis.await(verdict.judge("99999@" + anchor.identity().substring(anchor.identity().indexOf('@') + 1))))
        .isEqualTo(Verdict.UNKNOWN);
  }

  private static String run(RedisServer server) {
    try (TestRedis direct = new TestRedis(server.url(), "x")) {
      String info = direct.string("INFO", "server");
      int at = info.indexOf("run_id:") + 7;
      return info.substring(at, at + 12);
    }
  }

  /** A live connection to {@code server} with the given CLIENT SETNAME, as another process's anchor. */
}
