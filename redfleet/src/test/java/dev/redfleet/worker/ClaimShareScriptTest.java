package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How much one claim takes from the queue (claim.lua, lib/claim-batch.lua): its fair share of what is
 * queued, ceil(queued / members), so that a burst is split among the nodes; but never fewer than
 * the least the worker asks for (minClaim) when that many are queued and it has room, so that a
 * short queue is not split into claims of a few messages, each a call of its own.
 */
class ClaimShareScriptTest extends RedisTestBase {
  private static final String NODE = "w1";
  private int claims;

  private Keys k() {
    return redis.keys;
  }

  /** Three members (the fair share is a third) and 100 messages queued, ids 1..100. */
  @BeforeEach
  void threeMembersAndAQueue() {
    redis.call("SET", k().seq(), 1_000_000);
    redis.call("SET", k().epoch(), 1);
    for (String node : List.of("w1", "w2", "w3")) {
      redis.call("ZADD", k().nodes(), 1, node);
    }
    for (long id = 1; id <= 100; id++) {
      redis.call("LPUSH", k().queue(), entry(id, 1, "b" + id));
    }
  }

  private int claim(int fromQueue, Object least) {
    Response claimed = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, fromQueue, least, "t" + (++claims)));
    return claimed.get(0).size();
  }

  private int finishAndClaim(int fromQueue, int least) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7, fromQueue, least, "t" + (++claims)));
    Response answer = redis.run(Script.FINISH_CLAIM, k().finishClaim(NODE), args);
    return answer.get(1).get(0).size();
  }

  @Test
  void withoutALeastEachClaimTakesItsFairShareOfWhatIsQueued() {
    assertThat(claim(1000, 0)).isEqualTo(34);
    // 66 left: a third of them
    assertThat(claim(1000, 0)).isEqualTo(22);
    assertThat(claim(1000, 0)).isEqualTo(15);
  }

  @Test
  void aClaimTakesTheLeastWhenItsFairShareIsSmaller() {
    assertThat(claim(1000, 50)).isEqualTo(50);
    // 50 left: the fair share (17) is below the least: the least again
    assertThat(claim(1000, 40)).isEqualTo(40);
    // 10 left: what is queued
    assertThat(claim(1000, 40)).isEqualTo(10);
    assertThat(redis.call("LLEN", k().queue()).toInteger()).isZero();
  }

  @Test
  void theFairShareStillWinsWhenItIsLarger() {
    assertThat(claim(1000, 20)).isEqualTo(34);
  }

  @Test
  void theWorkersRoomBoundsTheLeast() {
    assertThat(claim(5, 50)).isEqualTo(5);
    assertThat(claim(0, 50)).isZero();
    assertThat(redis.call("LLEN", k().queue()).toInteger()).isEqualTo(95);
  }

  /** Only the Java worker calls claim, with a whole number; anything else must not break the claim. */
  @Test
  void aLeastThatIsNotAWholeNumberDoesNotBreakTheClaim() {
    // a fraction counts as its whole part: RPOP refuses a fraction, after the landing pop (a write)
    assertThat(claim(1000, "40.5")).isEqualTo(40);
    // not a number, negative, or NaN: the fair share alone (60 left: 20)
    assertThat(claim(1000, "many")).isEqualTo(20);
    assertThat(claim(1000, "-50")).isEqualTo(14);
    assertThat(claim(1000, "nan")).isEqualTo(9);
    assertThat(redis.call("LLEN", k().queue()).toInteger()).isEqualTo(17);
  }

  @Test
  void aClaimRidingOnAFinishTakesTheLeastToo() {
    assertThat(finishAndClaim(1000, 0)).isEqualTo(34);
    assertThat(finishAndClaim(1000, 60)).isEqualTo(60);
    assertThat(redis.call("LLEN", k().queue()).toInteger()).isEqualTo(6);
  }
}
