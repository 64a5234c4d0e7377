package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.Sender;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 8 section 2 at the script level: finish schedules retries, retry-due brings them back. */
class RetryScriptTest extends RedisTestBase {
  private static final int ATTEMPTS = 3;
  private static final long BASE_MS = 400;
  private int claims;

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

  /** node/id -> the token of the claim that last returned it: the delivery a worker's outcome names. */
  private final Map<String, String> tokenOf = new HashMap<>();

  private Response claim(String node, long fromQueue) {
    String token = "t" + (++claims);
    Response claimed = redis.run(Script.CLAIM, k().claim(node), List.of(node, fromQueue, 0, token));
    for (Response m : claimed.get(0)) {
      tokenOf.put(node + "/" + TestRedis.heldId(m.toString()), token);
    }
    return claimed;
  }

  /** Pairs (id, outcome), each sent as the worker does: with the token of the claim that returned it. */
  private Response finish(String node, String... idsAndOutcomes) {
    List<Object> args = new ArrayList<>(List.of(node, ATTEMPTS, BASE_MS, 10_000, 42));
    for (int i = 0; i < idsAndOutcomes.length; i += 2) {
      args.addAll(redis.outcome(node, idsAndOutcomes[i], tokenOf.getOrDefault(node + "/" + idsAndOutcomes[i], "never-claimed"),
          idsAndOutcomes[i + 1]));
    }
    return redis.run(Script.FINISH, k().finish(node), args);
  }

  private Response retryDue() {
    return redis.run(Script.RETRY_DUE, k().retryDue(), RetryVerticle.args(1000, "test-leader"));
  }

  private long now() {
    Response t = redis.call("TIME");
    return Long.parseLong(t.get(0).toString()) * 1000 + Long.parseLong(t.get(1).toString()) / 1000;
  }

  /** Makes every delayed retry due now. */
  private void makeAllDue() {
    for (Response member : redis.call("ZRANGE", k().delayed(), 0, -1)) {
      redis.call("ZADD", k().delayed(), 0, member.toString());
    }
  }

  @Test
  void aFailureWithAttemptsLeftWaitsInTheDelayedSetWithoutAuditBitThenComesBackWhenDue() {
    redis.call("LPUSH", k().queue(), message(1));
    claim("w1", 1);
    long before = now();
    Response r = finish("w1", "1", "boom");
    assertThat(r.get(3).toLong()).as("retried").isEqualTo(1);
    assertThat(redis.number("HLEN", k().inflight("w1"))).isZero();
    assertThat(redis.audited()).isZero();
    assertThat(redis.number("LLEN", k().errors())).isZero();
    assertThat(redis.stat("retried")).isEqualTo(1);
    assertThat(redis.stat("processed")).isZero();
    String member = entry(1, 1, 1700000000000L, 2, "b1");
    assertThat(redis.call("ZRANGE", k().delayed(), 0, -1).get(0).toString()).isEqualTo(member);
    long due = Math.round(redis.call("ZSCORE", k().delayed(), member).toDouble());
    // equal jitter: in [base/2, base] after the failure
    assertThat(due - before).isBetween(BASE_MS / 2 - 5, BASE_MS + 50);

    // not due yet: nothing moves
    assertThat(retryDue().get(0).toLong()).isZero();
    assertThat(redis.number("LLEN", k().queue())).isZero();
    makeAllDue();
    assertThat(retryDue().get(0).toLong()).isEqualTo(1);
    assertThat(redis.number("ZCARD", k().delayed())).isZero();

    // attempt 2 fails again on another node: the delay doubles
    Message second = Message.parse(claim("w2", 1).get(0).get(0).toBytes());
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.producedAt()).isEqualTo(1700000000000L);
    before = now();
    finish("w2", "1", "boom again");
    due = Math.round(redis.call("ZSCORE", k().delayed(), entry(1, 1, 1700000000000L, 3, "b1")).toDouble());
    assertThat(due - before).isBetween(BASE_MS - 5, 2 * BASE_MS + 50);
    makeAllDue();
    retryDue();

    // attempt 3 is the last: its failure is the outcome, in the errors list with attempts 3
    assertThat(Message.parse(claim("w1", 1).get(0).get(0).toBytes()).attempt()).isEqualTo(3);
    finish("w1", "1", "third strike");
    assertThat(redis.number("ZCARD", k().delayed())).isZero();
    assertThat(redis.auditBit(1)).isEqualTo(1);
    JsonObject error = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(error.getInteger("attempts")).isEqualTo(3);
    assertThat(error.getString("error")).isEqualTo("third strike");
    assertThat(error.getLong("id")).isEqualTo(1);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.stat("retried")).isEqualTo(2);
  }

  @Test
  void aRetryThatSucceedsIsProcessedOnceAndTheDefaultOfOneAttemptNeverRetries() {
    redis.call("LPUSH", k().queue(), message(1));
    redis.call("LPUSH", k().queue(), message(2));
    claim("w1", 2);
    List<Object> oneAttempt = new ArrayList<>(List.of("w1", 1, BASE_MS, 10_000, 1));
    oneAttempt.addAll(redis.outcome("w1", "2", tokenOf.get("w1/2"), "boom"));
    redis.run(Script.FINISH, k().finish("w1"), oneAttempt);
    assertThat(redis.number("ZCARD", k().delayed())).isZero();
    JsonObject error = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(error.containsKey("attempts")).as("today's entry, unchanged").isFalse();

    finish("w1", "1", "boom");
    makeAllDue();
    retryDue();
    claim("w2", 1);
    finish("w2", "1", "");
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.audited()).isEqualTo(2);
  }

  @Test
  void aReapedNodesRetriesSurviveAndItsInFlightRetryKeepsItsAttemptNumber() {
    for (long id = 1; id <= 3; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    claim("w1", 3);
    finish("w1", "1", "boom");
    // w1 dies holding 2 and 3; one retry of its own (1) waits in the delayed set
    redis.run(Script.REQUEUE_NODE, k().requeueNode("w1"), List.of("w1", 0, 0));
    assertThat(redis.number("ZCARD", k().delayed())).as("a retry belongs to no node").isEqualTo(1);
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(2);
    // w1's late outcome for 2 is dropped, no retry is scheduled from it
    assertThat(finish("w1", "2", "late").get(1).toLong()).isEqualTo(1);
    assertThat(redis.number("ZCARD", k().delayed())).isEqualTo(1);

    makeAllDue();
    retryDue();
    Response claimed = claim("w2", 10);
    List<Integer> attempts = new ArrayList<>();
    for (Response m : claimed.get(0)) {
      Message parsed = Message.parse(m.toBytes());
      attempts.add(parsed.id() == 1 ? parsed.attempt() : -parsed.attempt());
    }
    // the retry (attempt 2) was due and is taken first, then 2 and 3 as first attempts
    assertThat(attempts).containsExactly(2, -1, -1);

    // a node holding an attempt-2 message is reaped: the message returns with attempt 2
    redis.run(Script.REQUEUE_NODE, k().requeueNode("w2"), List.of("w2", 0, 0));
    Response again = claim("w3", 10);
    boolean found = false;
    for (Response m : again.get(0)) {
      if ("1".equals(TestRedis.heldId(m.toString()))) {
        assertThat(Message.parse(m.toBytes()).attempt()).isEqualTo(2);
        found = true;
      }
    }
    assertThat(found).isTrue();
    finish("w3", "1", "", "2", "", "3", "");
    assertThat(redis.audited()).isEqualTo(3);
    assertThat(redis.stat("duplicates")).isZero();
  }

  @Test
  void aRetryWhoseOutcomeWasAlreadyRecordedIsADuplicateNotARetry() {
    redis.call("LPUSH", k().queue(), message(1));
    claim("w1", 1);
    redis.setAuditBit(1);
    Response r = finish("w1", "1", "boom");
    assertThat(r.get(2).toLong()).isEqualTo(1);
    assertThat(redis.number("ZCARD", k().delayed())).isZero();
    assertThat(new JsonObject(redis.string("LINDEX", k().errors(), 0)).getString("error")).isEqualTo("duplicate");
  }

  private List<JsonObject> errors() {
    List<JsonObject> list = new ArrayList<>();
    for (Response e : redis.call("LRANGE", k().errors(), 0, -1)) {
      list.add(new JsonObject(e.toString()));
    }
    return list;
  }

  private Sender sender() {
    return new Sender(new Scripts(redis.client()), k(), 1024, 60_000);
  }

  /**
   * Issue 15 section 6, the exact attack: real message 5 waits in the queue, a forged 5:1:...
   * is ZADDed to the delayed set due now. Before, retry-due put the forged entry at the consumer end,
   * the claim took it as message 5 and sent the real one to the errors list as malformed.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "5:1:1700000000000:1:0:0:forged",
      // shaped like a retry finish writes: retries are registered by finish, so the shape is not enough
      "5:1:1700000000000:2:0:0:forged"})
  void aForgedDelayedEntryNeverOvertakesTheQueuedMessageWhoseIdItCarries(String forged) {
    for (long id = 4; id <= 6; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    redis.call("ZADD", k().delayed(), 0, forged);

    Response moved = retryDue();
    assertThat(moved.get(0).toLong()).as("moved").isZero();
    assertThat(moved.get(2).toLong()).as("malformed").isEqualTo(1);
    assertThat(redis.number("ZCARD", k().delayed())).isZero();

    List<String> bodies = new ArrayList<>();
    for (Response m : claim("w1", 10).get(0)) {
      Message parsed = Message.parse(m.toBytes());
      bodies.add(parsed.id() + "=" + parsed.body());
    }
    assertThat(bodies).containsExactly("4=b4", "5=b5", "6=b6");
    assertThat(finish("w1", "4", "", "5", "", "6", "").get(0).toLong()).isEqualTo(3);

    List<JsonObject> errors = errors();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).getString("error")).isEqualTo("malformed");
    assertThat(errors.get(0).getString("raw")).isEqualTo(forged);
    assertThat(errors.get(0).getString("from")).isEqualTo("delayed");
    assertThat(errors.get(0).getString("node")).isEqualTo("test-leader");
    assertThat(redis.stat("malformed")).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(3);
    assertThat(redis.stat("duplicates")).isZero();
  }

  /** A delayed send is registered by send.lua: only that very entry moves, a forged copy of it does not. */
  @Test
  void aForgedCopyOfADelayedSendIsMalformedAndTheRealOneMoves() {
    long id = TestRedis.await(sender().send(dev.redfleet.api.NewMessage.of("real",
        new dev.redfleet.api.SendOptions().setDelay(java.time.Duration.ofMinutes(5)))));
    String real = redis.call("ZRANGE", k().delayed(), 0, 0).get(0).toString();
    assertThat(redis.string("HGET", k().delayedIds(), id)).isNotNull();
    // the same layout, the same id, another body; due first
    assertThat(real).endsWith(":0:real");
    String forged = real.substring(0, real.length() - "real".length()) + "forged";
    redis.call("ZADD", k().delayed(), 0, forged);
    makeAllDue();

    Response r = retryDue();
    assertThat(r.get(0).toLong()).as("moved").isEqualTo(1);
    assertThat(r.get(2).toLong()).as("malformed").isEqualTo(1);
    assertThat(redis.string("HGET", k().delayedIds(), id)).as("the registration goes with the move").isNull();
    Response claimed = claim("w1", 10).get(0);
    assertThat(claimed.size()).isEqualTo(1);
    assertThat(claimed.get(0).toString()).isEqualTo(real);
    assertThat(errors()).extracting(e -> e.getString("raw")).containsExactly(forged);
  }

  /**
   * An entry scored +inf (or beyond any due time the fleet writes) used to stay in the delayed set for
   * ever. Written by the fleet (registered), it is due now; anything else is malformed.
   */
  @Test
  void entriesScoredAtInfinityOrBeyondTheHorizonDoNotStayForever() {
    long id = TestRedis.await(sender().send(dev.redfleet.api.NewMessage.of("rescored",
        new dev.redfleet.api.SendOptions().setDelay(java.time.Duration.ofMinutes(5)))));
    String registered = redis.call("ZRANGE", k().delayed(), 0, 0).get(0).toString();
    redis.call("ZADD", k().delayed(), "+inf", registered);
    String retryAtInfinity = entry(7, 1, 1700000000000L, 2, "b7");
    redis.call("ZADD", k().delayed(), "+inf", retryAtInfinity);
    String retryInElevenYears = entry(8, 1, 1700000000000L, 2, "b8");
    redis.call("ZADD", k().delayed(), now() + RetryVerticle.HORIZON_MS + 60_000, retryInElevenYears);
    String retryInTenYears = entry(9, 1, 1700000000000L, 2, "b9");
    redis.call("ZADD", k().delayed(), now() + RetryVerticle.HORIZON_MS - 60_000, retryInTenYears);

    Response r = retryDue();
    assertThat(r.get(0).toLong()).as("moved").isEqualTo(1);
    assertThat(r.get(2).toLong()).as("malformed").isEqualTo(2);
    assertThat(redis.call("ZRANGE", k().delayed(), 0, -1)).extracting(Response::toString)
        .as("within the horizon: it waits").containsExactly(retryInTenYears);
    assertThat(claim("w1", 10).get(0).get(0).toString()).isEqualTo(registered);
    assertThat(errors()).extracting(e -> e.getString("raw")).containsExactlyInAnyOrder(retryAtInfinity, retryInElevenYears);
    assertThat(redis.string("HGET", k().delayedIds(), id)).isNull();
  }
}
