package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequeueNodeScriptTest extends RedisTestBase {

  private long redisNow() {
    Response t = redis.call("TIME");
    return t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000;
  }

  private Response requeue(String node, long staleMs, long forgetMs) {
    return redis.run(Script.REQUEUE_NODE, redis.keys.requeueNode(node), List.of(node, staleMs, forgetMs));
  }

  private void holds(String node, long lastSeenMsAgo) {
    redis.call("ZADD", redis.keys.nodes(), redisNow() - lastSeenMsAgo, node);
    redis.holdByHand(node, "t" + System.nanoTime(), List.of("1", "2"), List.of("m1", "m2"));
    redis.call("LPUSH", redis.keys.landing(node), "m3");
  }

  @Test
  void aNodeThatIsAliveIsLeftAlone() {
    holds("n", 100);
    assertThat(requeue("n", 3000, 10_000).get(0).toLong()).isEqualTo(-1);
    assertThat(redis.held("n")).isEqualTo(2);
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
  }

  @Test
  void aSilentNodesMessagesGoToTheConsumerEndOfTheQueueButTheNodeStaysKnown() {
    redis.call("LPUSH", redis.keys.queue(), "older");
    holds("n", 5000);
    Response r = requeue("n", 3000, 10_000);
    assertThat(r.get(0).toLong()).isEqualTo(3);
    assertThat(r.get(1).toLong()).isZero();
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(4);
    // taken next: the requeued ones come before what was already waiting
    assertThat(redis.string("LINDEX", redis.keys.queue(), 0)).isEqualTo("older");
    assertThat(redis.stat("requeued")).isEqualTo(3);
    assertThat(redis.number("EXISTS", redis.keys.inflight("n"))).isZero();
    assertThat(redis.number("EXISTS", redis.keys.landing("n"))).isZero();
    assertThat(redis.call("ZSCORE", redis.keys.nodes(), "n")).isNotNull();

    // a blocking pop it issued before it stopped lands later: reaped again
    redis.call("LPUSH", redis.keys.landing("n"), "late");
    assertThat(requeue("n", 3000, 10_000).get(0).toLong()).isEqualTo(1);
  }

  @Test
  void aNodeSilentLongerThanForgetMsIsForgotten() {
    holds("n", 20_000);
    Response r = requeue("n", 3000, 10_000);
    assertThat(r.get(0).toLong()).isEqualTo(3);
    assertThat(r.get(1).toLong()).isEqualTo(1);
    assertThat(redis.call("ZSCORE", redis.keys.nodes(), "n")).isNull();
  }

  private long leave(String node) {
    return redis.run(Script.LEAVE, redis.keys.leave(node), List.of(node)).toLong();
  }

  private long forgetLeft(String node, long forgetMs) {
    return redis.run(Script.FORGET_LEFT, redis.keys.leave(node), List.of(node, forgetMs)).toLong();
  }

  @Test
  void leavingReturnsEverythingAndEndsMembershipAtOnceButIsRemembered() {
    holds("n", 0);
    assertThat(leave("n")).isEqualTo(3);
    assertThat(redis.number("ZCARD", redis.keys.nodes())).isZero();
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(3);
    assertThat(redis.number("EXISTS", redis.keys.inflight("n"), redis.keys.landing("n"), redis.keys.claims("n"))).isZero();
    assertThat(redis.call("ZSCORE", redis.keys.left(), "n")).isNotNull();
  }

  @Test
  void aMessageLandedAfterTheLeaveGoesBackOnceForgetMsHasPassed() {
    holds("n", 0);
    leave("n");
    // a BLMOVE the server served after the leave, before it processed the node's close
    redis.call("LPUSH", redis.keys.landing("n"), "late");
    assertThat(forgetLeft("n", 60_000)).as("too early: nothing moves").isEqualTo(-1);
    assertThat(redis.number("LLEN", redis.keys.landing("n"))).isEqualTo(1);
    // the leave, as if it had happened forgetMs ago
    redis.call("ZADD", redis.keys.left(), redisNow() - 60_000, "n");
    assertThat(forgetLeft("n", 60_000)).isEqualTo(1);
    assertThat(redis.string("LINDEX", redis.keys.queue(), -1)).isEqualTo("late");
    assertThat(redis.number("EXISTS", redis.keys.landing("n"))).isZero();
    assertThat(redis.number("ZCARD", redis.keys.left())).isZero();
    assertThat(redis.stat("requeued")).isEqualTo(4);
    assertThat(forgetLeft("n", 60_000)).as("swept once").isEqualTo(-1);
  }

  @Test
  void aNodeIdInUseAgainKeepsItsLandingListAndOnlyTheMemoryOfTheLeaveIsDropped() {
    holds("n", 0);
    leave("n");
    redis.call("ZADD", redis.keys.left(), redisNow() - 60_000, "n");
    holds("n", 0); // a process restarted under the id
    assertThat(forgetLeft("n", 60_000)).isEqualTo(-2);
    assertThat(redis.number("LLEN", redis.keys.landing("n"))).isEqualTo(1);
    assertThat(redis.held("n")).isEqualTo(2);
    assertThat(redis.number("ZCARD", redis.keys.left())).isZero();
  }

  @Test
  void nodesThatLeftLongEnoughAgoAreFoundInRedisTime() {
    redis.call("ZADD", redis.keys.left(), redisNow() - 10_000, "long-gone", redisNow(), "just-left");
    Response gone = redis.run(Script.STALE_NODES, List.of(redis.keys.left()), List.of(3000, 100));
    assertThat(gone.size()).isEqualTo(1);
    assertThat(gone.get(0).toString()).isEqualTo("long-gone");
  }

  @Test
  void staleNodesAreFoundInRedisTime() {
    redis.call("ZADD", redis.keys.nodes(), redisNow() - 10_000, "old", redisNow(), "fresh");
    Response stale = redis.run(Script.STALE_NODES, List.of(redis.keys.nodes()), List.of(3000, 100));
    assertThat(stale.size()).isEqualTo(1);
    assertThat(stale.get(0).toString()).isEqualTo("old");
  }
}
