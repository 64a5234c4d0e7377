package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, items 1-3, 9 and 10 at the script level: entries the generator never made, and keys of
 * the wrong type. Every refused script must leave Redis exactly as it was.
 */
class HostileInputScriptTest extends RedisTestBase {
  private static final String NODE = "w1";
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

  /** The token of the claim that last returned each id (or wrote it by hand): the delivery an outcome names. */
  private final Map<String, String> tokenOf = new java.util.HashMap<>();

  private Response claim(long fromQueue) {
    String token = "t" + (++claims);
    Response claimed = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, fromQueue, 0, token));
    claimedIds(claimed).forEach(id -> tokenOf.put(id, token));
    return claimed;
  }

  /** Writes an in-flight record by hand, bypassing claim, in claim's format (lua/lib/deliveries.lua). */
  private void holdByHand(String id, String message) {
    String token = "by-hand-" + id;
    redis.holdByHand(NODE, token, List.of(id), List.of(message));
    tokenOf.put(id, token);
  }

  /** Pairs (id, outcome), each sent as the worker does: with the token of the claim that returned it. */
  private Response finish(String... idsAndOutcomes) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7));
    for (int i = 0; i < idsAndOutcomes.length; i += 2) {
      args.addAll(redis.outcome(NODE, idsAndOutcomes[i], tokenOf.getOrDefault(idsAndOutcomes[i], "never-claimed"),
          idsAndOutcomes[i + 1]));
    }
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  private List<String> claimedIds(Response claimed) {
    List<String> ids = new ArrayList<>();
    for (Response m : claimed.get(0)) {
      ids.add(TestRedis.heldId(m.toString()));
    }
    return ids;
  }

  private List<JsonObject> errors() {
    List<JsonObject> list = new ArrayList<>();
    for (Response e : redis.call("LRANGE", k().errors(), 0, -1)) {
      list.add(new JsonObject(e.toString()));
    }
    return list;
  }

  /** Every key with its type and full content: what "nothing was written" is compared against. */
  private Map<String, String> snapshot() {
    Map<String, String> all = new TreeMap<>();
    for (Response key : redis.call("KEYS", "*")) {
      String name = key.toString();
      String type = redis.call("TYPE", name).toString();
      String content = switch (type) {
        case "string" -> redis.string("GET", name);
        case "list" -> String.valueOf(redis.call("LRANGE", name, 0, -1));
        case "hash" -> String.valueOf(redis.call("HGETALL", name));
        case "zset" -> String.valueOf(redis.call("ZRANGE", name, 0, -1, "WITHSCORES"));
        default -> "?";
      };
      all.put(name, type + " " + content);
    }
    return all;
  }

  private long usedMemory() {
    String info = redis.string("INFO", "memory");
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new AssertionError("no used_memory in INFO");
  }

  // ---- items 1-3: poison messages

  @Test
  void idsTheGeneratorNeverMadeAreMalformedKeptByteForByteAndNeverReachTheAuditBitmap() {
    long before = usedMemory();
    // an id or epoch the generator never handed out, or not in its canonical form: claim's to refuse
    List<String> refusedByClaim = List.of(
        "1000000000000:1:0:1:0:0:x",
        "4294967295:1:0:1:0:0:x",
        "0:1:0:1:0:0:x",
        "007:1:0:1:0:0:x",
        "101:1:0:1:0:0:beyond seq",
        "8:2:0:1:0:0:epoch not handed out",
        // cut short after its epoch
        "9:1",
        "-4:1:0:1:0:0:x");
    // a canonical id and epoch, but no end (a meta length past it) or a header field missing: the
    // worker's parser refuses them, and the worker finishes them as malformed
    List<String> refusedByWorker = List.of(
        "9:1:0:1:0:40:{\"key\":\"k\"}no end",
        "10:1:0:1:0:x");
    List<String> forged = new ArrayList<>(refusedByClaim);
    forged.addAll(refusedByWorker);
    for (String entry : forged) {
      redis.call("LPUSH", k().queue(), entry);
    }
    redis.call("LPUSH", k().queue(), message(5));
    Response claimed = claim(20);
    assertThat(claimedIds(claimed)).containsExactly("9", "10", "5");
    assertThat(errors().stream().map(e -> e.getString("raw")).toList()).containsExactlyInAnyOrderElementsOf(refusedByClaim);
    assertThat(redis.stat("malformed")).isEqualTo(refusedByClaim.size());
    // the worker: what its parser refuses is finished as malformed, never handled as a message
    List<String> outcomes = new ArrayList<>();
    for (Response m : claimed.get(0)) {
      outcomes.add(TestRedis.heldId(m.toString()));
      outcomes.add(Message.parse(m.toBytes()) == null ? "malformed" : "");
    }
    assertThat(outcomes).containsExactly("9", "malformed", "10", "malformed", "5", "");

    // the real one is recorded; the bitmap spans id 5, not 2^32 (nor the bytes of ids 9 and 10)
    assertThat(finish(outcomes.toArray(String[]::new)).get(0).toLong()).isEqualTo(3);
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.audited()).isEqualTo(1);
    assertThat(redis.auditBit(5)).isEqualTo(1);
    assertThat(errors()).allSatisfy(e -> assertThat(e.getString("error")).isEqualTo("malformed"));
    assertThat(errors().stream().map(e -> e.getString("raw")).toList()).containsExactlyInAnyOrderElementsOf(forged);
    assertThat(redis.stat("malformed")).isEqualTo(forged.size());
    assertThat(redis.number("STRLEN", k().auditSegment(0))).isLessThanOrEqualTo(1);
    assertThat(usedMemory() - before).as("used_memory growth").isLessThan(1_000_000);
  }

  @Test
  void finishRecordsAForgedInFlightIdAboveSeqAsMalformedWithoutTouchingTheBitmapOrTheRestOfTheBatch() {
    redis.call("LPUSH", k().queue(), message(1));
    redis.call("LPUSH", k().queue(), message(2));
    claim(2);
    // written straight into the in-flight hash, bypassing claim
    holdByHand("4294967295", entry(4294967295L, 1, "x"));
    holdByHand("1000000000000", entry(1000000000000L, 1, "x"));
    Response r = finish("1", "", "4294967295", "boom", "1000000000000", "", "2", "boom");
    assertThat(r.get(0).toLong()).isEqualTo(4);
    assertThat(redis.audited()).isEqualTo(2);
    assertThat(redis.number("STRLEN", k().auditSegment(0))).isEqualTo(1);
    assertThat(redis.stat("malformed")).isEqualTo(2);
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.number("HLEN", k().inflight(NODE))).isZero();
  }

  @Test
  void aForgedCopyOfAnIdInFlightIsItsOwnDeliveryAndItsOutcomeACountedDuplicateNeverRecordedTwice() {
    redis.call("LPUSH", k().queue(), message(5));
    claim(1);
    String real = tokenOf.get("5");
    String forged = entry(5, 1, 1, 1, "forged");
    String twin = entry(6, 1, 1, 1, "second copy in one claim");
    redis.call("LPUSH", k().queue(), forged);
    redis.call("LPUSH", k().queue(), message(6));
    redis.call("LPUSH", k().queue(), twin);
    // no held-id or within-claim check: each copy is a delivery of its own (index 1, 2, 3 of the claim)
    assertThat(claimedIds(claim(10))).containsExactly("5", "6", "6");
    String copies = tokenOf.get("6");
    assertThat(redis.held(NODE)).isEqualTo(4);
    // the real message's record is untouched
    assertThat(redis.string("HGET", k().inflight(NODE), real)).endsWith(message(5));
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7, real, "1", "1", "boom", copies, "1", "1", "",
        copies, "2", "1", "", copies, "3", "1", ""));
    Response r = redis.run(Script.FINISH, k().finish(NODE), args);
    assertThat(r.get(0).toLong()).as("recorded: the real 5 (failed) and the first 6").isEqualTo(2);
    assertThat(r.get(2).toLong()).as("duplicates: the forged 5 and the second 6").isEqualTo(2);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.audited()).isEqualTo(2);
    List<JsonObject> errors = errors();
    assertThat(errors.stream().filter(e -> "duplicate".equals(e.getString("error"))).map(e -> e.getString("raw")).toList())
        .containsExactlyInAnyOrder(forged, twin);
    assertThat(errors.stream().filter(e -> "boom".equals(e.getString("error"))).map(e -> e.getString("body")).toList())
        .as("the real message's failure, not the forged one's").containsExactly("b5");
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();
  }

  // ---- item 9: a key of the wrong type fails the script before its first write

  private void assertRefusedAndNothingChanged(Runnable script) {
    Map<String, String> before = snapshot();
    assertThatThrownBy(script::run).hasMessageContaining("redfleet:").hasMessageContaining("nothing was changed");
    assertThat(snapshot()).isEqualTo(before);
  }

  /** Messages 1..4 queued, 5..6 in flight on NODE, 7 landed for NODE, one retry waiting. */
  private void busyFleet() {
    for (long id = 1; id <= 6; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    claim(0);
    redis.call("RPOP", k().queue());
    redis.call("RPOP", k().queue());
    holdByHand("5", message(5));
    holdByHand("6", message(6));
    redis.call("LPUSH", k().landing(NODE), message(7));
    redis.call("ZADD", k().delayed(), 0, message(8));
    redis.call("HSET", k().stats(), "produced", 8);
    redis.setAuditBit(1);
    redis.call("SET", k().leader(), "gen:1", "PX", 60_000);
  }

  @Test
  void claimWithAnyKeyOfTheWrongTypeTakesNothing() {
    for (String key : List.of(k().errors(), k().stats(), k().inflight(NODE), k().nodes(), k().seq(),
        k().queue(), k().landing(NODE))) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      breakKey(key);
      assertRefusedAndNothingChanged(() -> claim(10));
    }
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("HSET", k().stats(), "malformed", "lots");
    redis.call("LPUSH", k().queue(), "garbage");
    assertRefusedAndNothingChanged(() -> claim(10));
  }

  @Test
  void finishWithAnyKeyOfTheWrongTypeRecordsNothingAndLosesNothing() {
    for (String key : List.of(k().errors(), k().stats(), k().auditSegment(0), k().auditCounts(),
        k().inflight(NODE), k().seq(), k().delayed())) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      if (key.equals(k().auditSegment(0))) {
        redis.setAuditBit(1);  // a bitmap, which breakKey turns into a list
      }
      breakKey(key);
      assertRefusedAndNothingChanged(() -> finish("5", "boom", "6", ""));
    }
    // a claim's key (its ids, written by claim beside the in-flight hash) is read before any write
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    breakKey(k().inflightClaim(NODE, tokenOf.get("6")));
    assertRefusedAndNothingChanged(() -> finish("5", "boom", "6", ""));
    assertThatThrownBy(() -> finish("5", "boom", "6", ""))
        .hasMessageContaining("WRONGTYPE redfleet: " + k().inflightClaim(NODE, tokenOf.get("6")) + " is a ");
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("HSET", k().stats(), "failed", "x");
    assertRefusedAndNothingChanged(() -> finish("5", "boom", "6", ""));
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("HSET", k().auditCounts(), "0", "x");
    assertRefusedAndNothingChanged(() -> finish("5", "boom", "6", ""));
  }

  @Test
  void finishClaimWithAnyKeyOfTheWrongTypeRecordsNothingAndTakesNothing() {
    for (String key : List.of(k().errors(), k().stats(), k().auditSegment(0), k().auditCounts(), k().inflight(NODE),
        k().seq(), k().delayed(), k().delayedIds(), k().queue(), k().landing(NODE), k().nodes(), k().epoch())) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      if (key.equals(k().auditSegment(0))) {
        redis.setAuditBit(1);  // a bitmap, which breakKey turns into a list
      }
      breakKey(key);
      assertRefusedAndNothingChanged(() -> finishClaim("5", "boom", "6", ""));
    }
    for (String[] field : List.of(new String[] {k().stats(), "failed"}, new String[] {k().stats(), "malformed"},
        new String[] {k().inflight(NODE), "|held"})) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      redis.call("HSET", field[0], field[1], "x");
      assertRefusedAndNothingChanged(() -> finishClaim("5", "boom", "6", ""));
    }
  }

  /**
   * Issue 16: claim, finish and finish-claim probe with TYPE only the keys they write before reading
   * them; the others are checked by the typed reads they make anyway (redis.pcall, TYPE only once
   * one failed). Each way names the key, and the keys only written keep their probe.
   */
  @Test
  void typedReadsNameTheKeyOfTheWrongTypeAndTheOnlyWrittenKeysKeepTheirProbe() {
    // a typed read's refusal names the key as a probe's does: claim (epoch is not in the list above),
    // a landing-only claim (the queue read for the fair share of a claim from the queue), finish
    for (String key : List.of(k().epoch(), k().queue(), k().landing(NODE), k().nodes(), k().inflight(NODE))) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      breakKey(key);
      assertRefusedAndNothingChanged(() -> claim(0));
      assertThatThrownBy(() -> claim(0)).hasMessageContaining("WRONGTYPE redfleet: " + key + " is a ");
    }
    for (String key : List.of(k().inflight(NODE), k().stats(), k().seq(), k().auditCounts())) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      breakKey(key);
      assertThatThrownBy(() -> finish("5", "boom", "6", "")).hasMessageContaining("WRONGTYPE redfleet: " + key + " is a ");
    }
    // the errors list is only written by a claim, and only for a malformed entry, which the claim
    // knows only after its first write (the RPOP): its probe stays, so the entry is not lost
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("LPUSH", k().queue(), "garbage");
    breakKey(k().errors());
    assertRefusedAndNothingChanged(() -> claim(10));
    // the delayed set and its registry are only written by a finish (a retry): probed by finish-claim
    // even when it schedules no retry, as finish does
    for (String key : List.of(k().delayed(), k().delayedIds())) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      breakKey(key);
      assertRefusedAndNothingChanged(() -> finishClaim("5", "", "6", ""));
      assertRefusedAndNothingChanged(() -> finish("5", "", "6", ""));
    }
  }

  /**
   * finish-claim reads the new claim's record before its finish runs: when the call's outcomes empty
   * the record of the very token it claims under, the claim takes new messages, as a claim after a
   * finish would, rather than answer from the read made before.
   */
  @Test
  void finishClaimWhoseOutcomesEmptyTheRecordOfItsOwnTokenClaimsAnew() {
    for (long id = 1; id <= 3; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    assertThat(claimedIds(claim(1))).containsExactly("1");
    String token = tokenOf.get("1");
    Response r = redis.run(Script.FINISH_CLAIM, k().finishClaim(NODE),
        List.of(NODE, 1, 1000, 60_000, 7, 10, 0, token, token, "1", "1", ""));
    assertThat(r.get(0).get(0).toLong()).as("recorded").isEqualTo(1);
    assertThat(claimedIds(r.get(1))).containsExactly("2", "3");
    assertThat(redis.stat("processed")).isEqualTo(1);
    assertThat(redis.held(NODE)).isEqualTo(2);
  }

  /**
   * A repeated token's claim key is read after finish-claim's writes (the claim comes after the
   * finish), so claim checks its type first: a wrong-typed one refuses the whole call unchanged.
   */
  @Test
  void aRepeatedTokenWhoseClaimKeyHasTheWrongTypeRefusesFinishClaimAndClaimUnchanged() {
    busyFleet();
    String token = tokenOf.get("5");
    breakKey(k().inflightClaim(NODE, token));
    assertRefusedAndNothingChanged(() -> redis.run(Script.FINISH_CLAIM, k().finishClaim(NODE),
        List.of(NODE, 1, 1000, 60_000, 7, 10, 0, token, tokenOf.get("6"), "1", "1", "")));
    assertRefusedAndNothingChanged(() -> redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, 10, 0, token)));
  }

  /**
   * requeue-node, leave and forget-left read every claim key of the node before their first write: a
   * wrong-typed one refuses the call and the node's messages stay where they are.
   */
  @Test
  void aClaimKeyOfTheWrongTypeRefusesARequeueOfTheNodeUnchanged() {
    busyFleet();
    breakKey(k().inflightClaim(NODE, tokenOf.get("6")));
    assertRefusedAndNothingChanged(() -> redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0)));
    assertRefusedAndNothingChanged(() -> redis.run(Script.REQUEUE_STRANDED, k().requeueStranded(NODE), List.of()));
    assertThatThrownBy(() -> redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0)))
        .hasMessageContaining("WRONGTYPE redfleet: " + k().inflightClaim(NODE, tokenOf.get("6")) + " is a ");
  }

  /** Pairs (id, outcome) as finish sends them, and a claim of up to 10 in the same call. */
  private Response finishClaim(String... idsAndOutcomes) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7, 10, 0, "t" + (++claims)));
    for (int i = 0; i < idsAndOutcomes.length; i += 2) {
      args.addAll(redis.outcome(NODE, idsAndOutcomes[i], tokenOf.getOrDefault(idsAndOutcomes[i], "never-claimed"),
          idsAndOutcomes[i + 1]));
    }
    return redis.run(Script.FINISH_CLAIM, k().finishClaim(NODE), args);
  }

  /** retry-due's and send's keys of issue 15 (the registry, the errors list, the counter) checked before any write. */
  @Test
  void retryDueAndSendWithAnyOfTheirKeysOfTheWrongTypeChangeNothing() {
    for (String key : k().retryDue()) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      redis.call("HSET", k().delayedIds(), "8", "not its sum");
      breakKey(key);
      assertRefusedAndNothingChanged(() -> redis.run(Script.RETRY_DUE, k().retryDue(), RetryVerticle.args(100, "test-leader")));
    }
    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("HSET", k().stats(), "malformed", "x");
    assertRefusedAndNothingChanged(() -> redis.run(Script.RETRY_DUE, k().retryDue(), RetryVerticle.args(100, "test-leader")));

    redis.call("FLUSHALL");
    generatorState();
    breakKey(k().delayedIds());
    assertRefusedAndNothingChanged(() -> redis.run(Script.SEND, k().send(), List.of(60_000, "d60000", "0", "0:later")));

    // without TYPE probes: the queue's check is send's first write (LPUSH), the delayed set's a probe
    // made only when a message is delayed, in a call that also queues one (written first)
    for (String key : List.of(k().queue(), k().delayed(), k().stats(), k().seq())) {
      redis.call("FLUSHALL");
      generatorState();
      busyFleet();
      breakKey(key);
      assertRefusedAndNothingChanged(() -> redis.run(Script.SEND, k().send(),
          List.of(60_000, "", "0", "0:now", "d60000", "0", "0:later")));
      if (!key.equals(k().delayed())) {
        // a call that delays nothing does not touch the delayed set: only the others refuse it
        assertRefusedAndNothingChanged(() -> redis.run(Script.SEND, k().send(), List.of(60_000, "", "0", "0:now")));
      }
    }
  }

  @Test
  void produceRequeueUnlandRetryDueAndAcquireWithAKeyOfTheWrongTypeChangeNothing() {
    busyFleet();
    breakKey(k().queue());
    assertRefusedAndNothingChanged(() -> redis.run(Script.PRODUCE, k().produce(),
        List.of("gen:1", 1, 0, 1000, "", "", "0:a", "0:b")));
    assertRefusedAndNothingChanged(() -> redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0)));
    assertRefusedAndNothingChanged(() -> redis.run(Script.LEAVE, k().leave(NODE), List.of(NODE)));
    assertRefusedAndNothingChanged(() -> redis.run(Script.UNLAND, List.of(k().landing(NODE), k().queue()), List.of()));
    assertRefusedAndNothingChanged(() -> redis.run(Script.RETRY_DUE, k().retryDue(), RetryVerticle.args(100, "test-leader")));

    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    breakKey(k().stats());
    assertRefusedAndNothingChanged(() -> redis.run(Script.PRODUCE, k().produce(),
        List.of("gen:1", 1, 0, 1000, "", "", "0:a")));
    assertRefusedAndNothingChanged(() -> redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0)));
    assertRefusedAndNothingChanged(() -> redis.run(Script.LEAVE, k().leave(NODE), List.of(NODE)));
    redis.call("ZADD", k().left(), 0, NODE);
    assertRefusedAndNothingChanged(() -> redis.run(Script.FORGET_LEFT, k().leave(NODE), List.of(NODE, 0)));

    redis.call("FLUSHALL");
    generatorState();
    busyFleet();
    redis.call("SET", k().seq(), "not a number");
    assertRefusedAndNothingChanged(() -> redis.run(Script.PRODUCE, k().produce(),
        List.of("gen:1", 1, 0, 1000, "", "", "0:a")));
    assertRefusedAndNothingChanged(() -> claim(10));
    // a number, but no id can follow it
    for (String seq : List.of("5.5", "-3")) {
      redis.call("SET", k().seq(), seq);
      assertRefusedAndNothingChanged(() -> redis.run(Script.PRODUCE, k().produce(),
          List.of("gen:1", 1, 0, 1000, "", "", "0:a")));
    }

    redis.call("FLUSHALL");
    breakKey(k().epoch());
    redis.call("DEL", k().leader());
    assertRefusedAndNothingChanged(() -> redis.run(Script.ACQUIRE_LEASE, List.of(k().leader(), k().epoch()), List.of("n", 2000)));
  }

  /** Replaces a key with a value of another type than redfleet's. */
  private void breakKey(String key) {
    String type = redis.call("TYPE", key).toString();
    redis.call("DEL", key);
    if (type.equals("string")) {
      redis.call("RPUSH", key, "intruder");
    } else {
      redis.call("SET", key, "intruder");
    }
  }

  // ---- item 10: a leader key no node can hold

  @Test
  void aLeaderValueWithoutTtlOrNotNodeColonEpochIsReplacedAndReported() {
    for (String garbage : List.of("garbage", "w9:3", "no-epoch:x")) {
      redis.call("SET", k().leader(), garbage);
      Response r = redis.run(Script.ACQUIRE_LEASE, List.of(k().leader(), k().epoch()), List.of("n1", 2000));
      assertThat(r.get(0).toLong()).as(garbage).isEqualTo(1);
      assertThat(r.get(2).toString()).isEqualTo(garbage);
      assertThat(redis.string("GET", k().leader())).isEqualTo("n1:" + r.get(1).toLong());
      assertThat(redis.number("PTTL", k().leader())).isPositive();
    }
    redis.call("SET", k().leader(), "w9:3", "PX", 60_000);
    redis.call("SET", k().leader() + "x", "1");
    Response held = redis.run(Script.ACQUIRE_LEASE, List.of(k().leader(), k().epoch()), List.of("n1", 2000));
    assertThat(held.get(0).toLong()).as("a real lease is respected").isZero();
    assertThat(held.get(1).toString()).isEqualTo("w9:3");
  }

  @Test
  void statusNamesAKeyOfTheWrongTypeInsteadOfFailingOnIt() {
    busyFleet();
    breakKey(k().stats());
    assertThatThrownBy(() -> redis.run(Script.STATUS, k().status(), List.of(k().prefix())))
        .hasMessageContaining("WRONGTYPE redfleet: " + k().stats() + " is a string, not a hash");
  }
}
