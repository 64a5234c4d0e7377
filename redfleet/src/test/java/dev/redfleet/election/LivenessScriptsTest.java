package dev.redfleet.election;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connection-bound scripts: lease-bind, lease-anchor, lease-takeover, anchor-swap, requeue-node with anchors. */
class LivenessScriptsTest extends RedisTestBase {
  private static final String DEAD = "7@rf-aaaaaaaaaaaa-1";
  private static final String MINE = "9@rf-aaaaaaaaaaaa-2";

  private void lease(String token) {
    redis.call("SET", redis.keys.leader(), token, "PX", "5000");
    redis.call("SET", redis.keys.epoch(), Fleet.epoch(token));
  }

  private long bind(String token, String anchor) {
    return redis.run(Script.LEASE_BIND, List.of(redis.keys.leader(), redis.keys.leaderAnchor()), List.of(token, anchor))
        .toLong();
  }

  private Response takeOver(String seen, String deadAnchor, String node, String mine) {
    return redis.run(Script.LEASE_TAKEOVER,
        List.of(redis.keys.leader(), redis.keys.epoch(), redis.keys.leaderAnchor(), redis.keys.anchors()),
        List.of(seen, deadAnchor, node, mine, 2000));
  }

  @Test
  void onlyTheHolderBindsAndTheBindingIsReadBackForItsTokenOnly() {
    lease("a:3");
    assertThat(bind("b:3", DEAD)).isZero();
    assertThat(bind("a:3", DEAD)).isEqualTo(1);
    Response read = redis.run(Script.LEASE_ANCHOR, List.of(redis.keys.leader(), redis.keys.leaderAnchor()), List.of());
    assertThat(read.get(0).toString()).isEqualTo("a:3");
    assertThat(read.get(1).toString()).isEqualTo(DEAD);
    // a new holder that has not bound yet: no anchor, so no fast takeover on the old binding
    lease("a:4");
    read = redis.run(Script.LEASE_ANCHOR, List.of(redis.keys.leader(), redis.keys.leaderAnchor()), List.of());
    assertThat(read.get(1)).isNull();
  }

  @Test
  void takeoverNeedsTheSameTokenTheSameDeadAnchorAndTheCallersRegisteredAnchor() {
    lease("a:3");
    bind("a:3", DEAD);
    redis.call("HSET", redis.keys.anchors(), "b", MINE);
    // the holder re-bound a new connection meanwhile: left alone
    bind("a:3", "8@rf-aaaaaaaaaaaa-3");
    assertThat(takeOver("a:3", DEAD, "b", MINE).get(0).toInteger()).isZero();
    bind("a:3", DEAD);
    // the caller's own registration is not current (it has not re-registered after a restart)
    assertThat(takeOver("a:3", DEAD, "b", "1@rf-bbbbbbbbbbbb-9").get(0).toInteger()).isZero();
    // a token seen before the lease changed hands
    assertThat(takeOver("a:2", DEAD, "b", MINE).get(0).toInteger()).isZero();
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("a:3");

    Response taken = takeOver("a:3", DEAD, "b", MINE);
    assertThat(taken.get(0).toInteger()).isEqualTo(1);
    assertThat(taken.get(1).toLong()).isEqualTo(4);
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("b:4");
    assertThat(redis.string("GET", redis.keys.leaderAnchor())).isEqualTo("b:4|" + MINE);
    // a second follower acting on the same verdict changes nothing
    redis.call("HSET", redis.keys.anchors(), "c", "10@rf-aaaaaaaaaaaa-4");
    assertThat(takeOver("a:3", DEAD, "c", "10@rf-aaaaaaaaaaaa-4").get(0).toInteger()).isZero();
    assertThat(redis.number("GET", redis.keys.epoch())).isEqualTo(4);
  }

  @Test
  void anchorSwapIsACompareAndSet() {
    Response swap = redis.run(Script.ANCHOR_SWAP, List.of(redis.keys.anchors()), List.of("n", "", DEAD));
    assertThat(swap.get(0).toInteger()).isEqualTo(1);
    swap = redis.run(Script.ANCHOR_SWAP, List.of(redis.keys.anchors()), List.of("n", "", MINE));
    assertThat(swap.get(0).toInteger()).isZero();
    assertThat(swap.get(1).toString()).isEqualTo(DEAD);
    assertThat(redis.run(Script.ANCHOR_SWAP, List.of(redis.keys.anchors()), List.of("n", DEAD, "")).get(0).toInteger())
        .isEqualTo(1);
    assertThat(redis.call("HGET", redis.keys.anchors(), "n")).isNull();
  }

  @Test
  void requeueWithAnchorsActsOnlyOnTheExpectedConnection() {
    redis.holdByHand("n", "t", List.of("1"), List.of(entry(1, 1, "x")));
    redis.call("LPUSH", redis.keys.landing("n"), entry(2, 1, "y"));
    redis.call("HSET", redis.keys.anchors(), "n", DEAD);
    Response refused = redis.run(Script.REQUEUE_NODE, redis.keys.requeueNodeAnchored("n"),
        List.of("n", 0, 60_000, "5@rf-aaaaaaaaaaaa-5", ""));
    assertThat(refused.get(0).toLong()).isEqualTo(-2);
    assertThat(redis.held("n")).isEqualTo(1);

    Response moved = redis.run(Script.REQUEUE_NODE, redis.keys.requeueNodeAnchored("n"),
        List.of("n", 0, 60_000, DEAD, MINE));
    assertThat(moved.get(0).toLong()).isEqualTo(2);
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2);
    assertThat(redis.string("HGET", redis.keys.anchors(), "n")).isEqualTo(MINE);
    assertThat(redis.stat("requeued")).isEqualTo(2);
  }

  /** Token helpers. */
  private static final class Fleet {
    static String epoch(String token) {
      return token.substring(token.lastIndexOf(':') + 1);
    }
  }
}
