package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 section 1 at the script level: an outcome names its delivery (the claim token it was
 * taken under), and a finish for an earlier delivery of the same message is a stale no-op. The
 * interleaving: claim, finish whose answer is lost, the retry comes due and is claimed again by
 * the same node, then the worker re-sends the unanswered finish.
 */
class DeliveryScriptTest extends RedisTestBase {
  private static final String NODE = "w1";
  private static final int ATTEMPTS = 3;

  private Keys k() {
    return redis.keys;
  }

  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 100);
    redis.call("SET", k().epoch(), 1);
  }

  private static String message(long id) {
    return entry(id, 1, 1700000000000L, 1, "b" + id);
  }

  private Response claim(String token) {
    return redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, 10, 0, token));
  }

  /** Triples (id, claim token, outcome), sent as the worker sends them: (token, index, attempt, outcome). */
  private Response finish(String... triples) {
    List<Object> args = new ArrayList<>(List.of(NODE, ATTEMPTS, 10, 10, 42));
    for (int i = 0; i < triples.length; i += 3) {
      args.addAll(redis.outcome(NODE, triples[i], triples[i + 1], triples[i + 2]));
    }
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  /** The retry-due step with every delayed retry due now. */
  private void retryComesBack() {
    for (Response member : redis.call("ZRANGE", k().delayed(), 0, -1)) {
      redis.call("ZADD", k().delayed(), 0, member.toString());
    }
    redis.run(Script.RETRY_DUE, k().retryDue(), dev.redfleet.worker.RetryVerticle.args(1000, "test-leader"));
  }

  private int attemptClaimed(Response claimed) {
    assertThat(claimed.get(0).size()).isEqualTo(1);
    return Message.parse(claimed.get(0).get(0).toBytes()).attempt();
  }

  @Test
  void aReSentFinishOfAnEarlierAttemptIsAStaleNoOpOnTheRetryNowInFlightOnTheSameNode() {
    redis.call("LPUSH", k().queue(), message(1));
    assertThat(attemptClaimed(claim("s:1"))).isEqualTo(1);
    // attempt 1 fails; the finish runs but its answer never reaches the worker
    finish("1", "s:1", "attempt 1 failed");
    assertThat(redis.stat("retried")).isEqualTo(1);
    retryComesBack();
    assertThat(attemptClaimed(claim("s:2"))).isEqualTo(2);

    // the worker re-sends the unanswered batch: it names delivery s:1, which is no longer in flight
    Response stale = finish("1", "s:1", "attempt 1 failed");
    assertThat(stale.get(0).toLong()).as("recorded").isZero();
    assertThat(stale.get(1).toLong()).as("dropped").isEqualTo(1);
    assertThat(stale.get(3).toLong()).as("retried").isZero();
    assertThat(redis.held(NODE)).as("attempt 2 still in flight").isEqualTo(1);
    assertThat(redis.number("ZCARD", k().delayed())).as("no retry scheduled from the stale outcome").isZero();
    assertThat(redis.stat("retried")).isEqualTo(1);

    // attempt 2's own outcome counts: a success, no failure recorded anywhere
    Response real = finish("1", "s:2", "");
    assertThat(real.get(0).toLong()).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.stat("failed")).isZero();
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.number("LLEN", k().errors())).isZero();
    assertThat(redis.auditBit(1)).isEqualTo(1);
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();
  }

  @Test
  void theErrorsEntryCarriesTheLastAttemptsReasonNotAStaleOne() {
    redis.call("LPUSH", k().queue(), message(1));
    claim("s:1");
    finish("1", "s:1", "attempt 1 failed");
    retryComesBack();
    claim("s:2");
    finish("1", "s:2", "attempt 2 failed");
    retryComesBack();
    assertThat(attemptClaimed(claim("s:3"))).isEqualTo(3);

    // both earlier finishes re-sent late, in one batch ahead of attempt 3's own outcome
    finish("1", "s:2", "attempt 2 failed", "1", "s:1", "attempt 1 failed", "1", "s:3", "attempt 3 failed");
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.stat("stale_dropped")).isEqualTo(2);
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(1);
    JsonObject error = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(error.getString("error")).isEqualTo("attempt 3 failed");
    assertThat(error.getInteger("attempts")).isEqualTo(3);
    assertThat(error.getString("body")).isEqualTo("b1");
  }

  @Test
  void aDeliveryThatWasRequeuedAndClaimedAgainAtTheSameAttemptIsNotAnsweredByTheEarlierOne() {
    // the node was taken for dead while its handler ran: the message went back to the queue with
    // the same attempt number and came back to the same node under another claim
    redis.call("LPUSH", k().queue(), message(1));
    claim("s:1");
    redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0));
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(1);
    assertThat(redis.string("LINDEX", k().queue(), 0)).as("requeued as the message itself").isEqualTo(message(1));
    assertThat(attemptClaimed(claim("s:2"))).isEqualTo(1);

    assertThat(finish("1", "s:1", "the earlier run failed").get(1).toLong()).isEqualTo(1);
    assertThat(redis.stat("failed")).isZero();
    assertThat(redis.number("ZCARD", k().delayed())).isZero();
    finish("1", "s:2", "");
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.stat("failed")).isZero();
    assertThat(redis.number("LLEN", k().errors())).isZero();
  }

  @Test
  void aReplayedClaimStillReturnsItsMessagesAndTheirOutcomesCount() {
    redis.call("LPUSH", k().queue(), message(1));
    redis.call("LPUSH", k().queue(), message(2));
    Response first = claim("s:1");
    Response again = claim("s:1");
    assertThat(again.get(0).size()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      assertThat(again.get(0).get(i).toString()).as("the message as claimed, no delivery prefix")
          .isEqualTo(first.get(0).get(i).toString());
    }
    assertThat(finish("1", "s:1", "", "2", "s:1", "").get(0).toLong()).isEqualTo(2);
    assertThat(redis.audited()).isEqualTo(2);
  }

  @Test
  void aClaimTokenThatCouldNotNameADeliveryIsRefusedBeforeAnyWrite() {
    redis.call("LPUSH", k().queue(), message(1));
    for (String token : List.of("", "a|b", "{x")) {
      assertThatThrownBy(() -> claim(token)).hasMessageContaining("redfleet:").hasMessageContaining("nothing was changed");
    }
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(1);
    assertThat(redis.number("EXISTS", k().inflight(NODE), k().claims(NODE), k().nodes())).isZero();
  }
}
