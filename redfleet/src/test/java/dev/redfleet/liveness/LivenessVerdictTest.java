package dev.redfleet.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.liveness.LivenessVerdict.Verdict;
import dev.redfleet.redis.RedisConnectionOptions.Topology;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.testing.NamedConnection;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one dead-or-alive rule against a real redis-server: this test's own {@link Anchor} is the
 * checker, raw sockets named like anchors stand for other processes.
 */
class LivenessVerdictTest extends RedisTestBase {
  private Vertx vertx;
  private Anchor anchor;
  private LivenessVerdict verdict;
  private String run;

  @BeforeEach
  void startAnchor() {
    vertx = Vertx.vertx();
    anchor = new Anchor(RedisConnector.create(vertx, server.url()));
    TestRedis.await(vertx.deployVerticle(anchor));
    verdict = new LivenessVerdict(anchor, ClientLiveness.viaAnchor(anchor, Topology.STANDALONE));
    String info = redis.string("INFO", "server");
    int at = info.indexOf("run_id:") + 7;
    run = info.substring(at, at + 12);
  }

  @AfterEach
  void stopAnchor() {
    TestRedis.await(vertx.close());
  }

  private Verdict judge(String anchorOfOther) {
    return TestRedis.await(verdict.judge(anchorOfOther));
  }

  @Test
  void aLiveConnectionIsAliveAndOnceGoneItIsDeadWhenMadeOnTheSameServer() throws IOException {
    NamedConnection other = new NamedConnection(server, "rf-" + run + "-0ther0ther01");
    assertThat(judge(other.identity)).isEqualTo(Verdict.ALIVE);
    other.closeAndWait();
    assertThat(judge(other.identity)).isEqualTo(Verdict.DEAD);
    // never seen by this checker, but made on its server: its absence is evidence too
    assertThat(judge("99999@rf-" + run + "-neverseen001")).isEqualTo(Verdict.DEAD);
  }

  @Test
  void aMissingConnectionOfAnotherServerProvesNothing() {
    // after a Redis restart or a failover every connection of the old server is missing
    assertThat(judge("5@rf-000000000001-0ld0ld0ld0ld")).isEqualTo(Verdict.UNKNOWN);
    assertThat(judge("garbage")).as("malformed").isEqualTo(Verdict.UNKNOWN);
    assertThat(judge("0@rf-" + run + "-noclientid01")).as("no client id").isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void aConnectionOfAnUnknownServerIsDeadOnlyIfThisCheckerSawItAlive() throws IOException {
    NamedConnection seen = new NamedConnection(server, "rf-0-seenalive0001");
    assertThat(judge("7777@rf-0-neverseen002")).isEqualTo(Verdict.UNKNOWN);
    assertThat(judge(seen.identity)).isEqualTo(Verdict.ALIVE);
    seen.closeAndWait();
    assertThat(judge(seen.identity)).isEqualTo(Verdict.DEAD);
  }

  @Test
  void whatWasSeenAliveIsForgottenWhenTheCheckersOwnAnchorChanges() throws IOException {
    NamedConnection seen = new NamedConnection(server, "rf-0-seenalive0002");
    assertThat(judge(seen.identity)).isEqualTo(Verdict.ALIVE);
    String before = anchor.identity();
    redis.call("CLIENT", "KILL", "ID", before.substring(0, before.indexOf('@')));
    Waits.until("the anchor reconnects", Duration.ofSeconds(10),
        () -> anchor.identity() != null && !anchor.identity().equals(before));
    seen.closeAndWait();
    assertThat(judge(seen.identity)).as("seen on the previous connection").isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void manyAnchorsInOneCallKeepTheirOrder() throws IOException {
    NamedConnection alive = new NamedConnection(server, "rf-" + run + "-alive0000003");
    String dead = "88888@rf-" + run + "-dead00000003";
    String elsewhere = "3@rf-000000000002-elsewhere003";
    Map<String, Verdict> verdicts = TestRedis.await(verdict.judge(List.of(dead, alive.identity, elsewhere)));
    assertThat(verdicts).containsExactly(Map.entry(dead, Verdict.DEAD), Map.entry(alive.identity, Verdict.ALIVE),
        Map.entry(elsewhere, Verdict.UNKNOWN));
    alive.closeAndWait();
  }

  @Test
  void withoutClientListEveryVerdictIsUnknown() throws IOException {
    redis.call("ACL", "SETUSER", "nolist", "on", ">secret", "~*", "&*", "+@all", "-client|list");
    String url = "redis://nolist:secret@127.0.0.1:" + server.port();
    Anchor limited = new Anchor(RedisConnector.create(vertx, url));
    TestRedis.await(vertx.deployVerticle(limited));
    LivenessVerdict refusedVerdict = new LivenessVerdict(limited, ClientLiveness.viaAnchor(limited, Topology.STANDALONE));
    NamedConnection other = new NamedConnection(server, "rf-" + run + "-0ther0ther04");
    try {
      assertThat(TestRedis.await(refusedVerdict.judge(other.identity))).isEqualTo(Verdict.UNKNOWN);
      assertThat(refusedVerdict.refused()).isTrue();
      assertThat(TestRedis.await(refusedVerdict.judge("99999@rf-" + run + "-gone00000004"))).isEqualTo(Verdict.UNKNOWN);
    } finally {
      other.closeAndWait();
      redis.call("ACL", "DELUSER", "nolist");
    }
  }

  @Test
  void inAClusterEveryVerdictIsUnknown() {
    LivenessVerdict cluster = new LivenessVerdict(anchor, ClientLiveness.viaAnchor(anchor, Topology.CLUSTER));
    assertThat(cluster.refused()).isTrue();
    assertThat(TestRedis.await(cluster.judge("99999@rf-" + run + "-gone00000005"))).isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void noVerdictWhileTheCheckersAnchorIsDisconnectedOrChangesDuringTheCheck() {
    ClientLiveness liveness = ClientLiveness.viaAnchor(anchor, Topology.STANDALONE);
    LivenessVerdict disconnected = new LivenessVerdict(() -> null, liveness);
    assertThatThrownBy(() -> TestRedis.await(disconnected.judge("1@rf-" + run + "-x")))
        .isInstanceOf(LivenessVerdict.NoVerdict.class);
    Deque<String> identities = new ArrayDeque<>(List.of("1@rf-" + run + "-before", "2@rf-" + run + "-after"));
    LivenessVerdict changing = new LivenessVerdict(() -> identities.size() > 1 ? identities.poll() : identities.peek(),
        liveness);
    assertThatThrownBy(() -> TestRedis.await(changing.judge("99999@rf-" + run + "-gone00000006")))
        .isInstanceOf(LivenessVerdict.NoVerdict.class);
  }

  /** A live connection with the given CLIENT SETNAME, as another process's anchor. */
}
