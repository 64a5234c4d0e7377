package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** finish-claim.lua: a finish and the next claim in one call, each doing exactly what its own script does. */
class FinishClaimScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  private static String message(long id) {
    return entry(id, 1, 1, 1, "b" + id);
  }

  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 1000);
    redis.call("SET", k().epoch(), 1);
    for (long id = 1; id <= 10; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
  }

  private Response claim(int count, String token) {
    return redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, count, 0, token));
  }

  /** Triples (id, token, outcome) finished, and up to {@code count} claimed under {@code token}. */
  private Response finishClaim(int count, String token, String... triples) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7, count, 0, token));
    for (int i = 0; i < triples.length; i += 3) {
      args.addAll(redis.outcome(NODE, triples[i], triples[i + 1], triples[i + 2]));
    }
    return redis.run(Script.FINISH_CLAIM, k().finishClaim(NODE), args);
  }

  private static List<String> ids(Response claimed) {
    List<String> ids = new ArrayList<>();
    for (Response m : claimed.get(0)) {
      ids.add(TestRedis.heldId(m.toString()));
    }
    return ids;
  }

  @Test
  void theOutcomesAreRecordedAndTheNextMessagesClaimedLandedFirst() {
    assertThat(ids(claim(2, "t1"))).containsExactly("1", "2");
    redis.call("LMOVE", k().queue(), k().landing(NODE), "RIGHT", "LEFT");
    Response r = finishClaim(2, "t2", "1", "t1", "", "2", "t1", "boom");
    Response finished = r.get(0);
    assertThat(finished.get(0).toLong()).as("recorded").isEqualTo(2);
    assertThat(finished.get(1).toLong()).as("dropped").isZero();
    assertThat(ids(r.get(1))).as("what landed, then 2 from the queue").containsExactly("3", "4", "5");
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.audited()).isEqualTo(2);
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(1);
    assertThat(redis.held(NODE)).as("t1's record gone, t2's holds 3").isEqualTo(3);
    assertThat(redis.call("HGET", k().inflight(NODE), "t1")).isNull();
    assertThat(redis.claimSlots(NODE, "t1")).isEmpty();
    assertThat(redis.number("LLEN", k().landing(NODE))).isZero();
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(5);
  }

  @Test
  void aLostAnswerIsRepeatedAsAClaimWithTheSameTokenAndAFinishWhoseOutcomesAreThenStale() {
    claim(3, "t1");
    finishClaim(2, "t2", "1", "t1", "", "2", "t1", "");
    // the answer never came: the worker repeats the claim and the finish
    assertThat(ids(claim(2, "t2"))).as("the same claim back").containsExactly("4", "5");
    List<Object> again = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7));
    again.addAll(redis.outcome(NODE, "1", "t1", ""));
    again.addAll(redis.outcome(NODE, "2", "t1", ""));
    Response resent = redis.run(Script.FINISH, k().finish(NODE), again);
    assertThat(resent.get(0).toLong()).as("recorded").isZero();
    assertThat(resent.get(1).toLong()).as("dropped as stale").isEqualTo(2);
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.held(NODE)).as("3 of t1, 4 and 5 of t2").isEqualTo(3);
  }

  @Test
  void whilePausedTheOutcomesAreRecordedAndNothingIsTaken() {
    claim(1, "t1");
    redis.call("SET", k().paused(), "{\"by\":\"test\",\"at\":1}");
    Response r = finishClaim(5, "t2", "1", "t1", "");
    assertThat(r.get(0).get(0).toLong()).isEqualTo(1);
    assertThat(r.get(1).get(0).size()).isZero();
    assertThat(r.get(1).get(1).get(0).toString()).isEqualTo("paused");
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(9);
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();
  }

  @Test
  void withNoOutcomeHeldAnyMoreItIsAClaimAlone() {
    claim(1, "t1");
    finishClaim(0, "t2", "1", "t1", "");
    Response r = finishClaim(2, "t3", "1", "t1", "");
    assertThat(r.get(0).get(1).toLong()).as("dropped").isEqualTo(1);
    assertThat(ids(r.get(1))).containsExactly("2", "3");
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.stat("stale_dropped")).isEqualTo(1);
  }
}
