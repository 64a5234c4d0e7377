package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
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

class ClaimFinishScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  private void enqueue(long fromId, long toId) {
    for (long id = fromId; id <= toId; id++) {
      redis.call("LPUSH", k().queue(), message(id));
    }
  }

  private static String message(long id) {
    return entry(id, 1, "b" + id);
  }

  private int claims;

  /** As if the generator had handed out ids up to a million under epoch 1. */
  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 1_000_000);
    redis.call("SET", k().epoch(), 1);
  }

  private Response claim(long fromQueue) {
    return claim(fromQueue, "t" + (++claims));
  }

  /** The token of the claim that last returned each id: the delivery a worker's outcome names. */
  private final Map<String, String> tokenOf = new HashMap<>();

  private Response claim(long fromQueue, String token) {
    Response claimed = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, fromQueue, 0, token));
    ids(claimed).forEach(id -> tokenOf.put(id, token));
    return claimed;
  }

  /** Pairs (id, outcome), each sent as the worker does: with the token of the claim that returned it. */
  private Response finish(String... idsAndOutcomes) {
    List<Object> args = new ArrayList<>();
    args.addAll(List.of(NODE, 1, 1000, 60_000, 7));
    for (int i = 0; i < idsAndOutcomes.length; i += 2) {
      args.addAll(redis.outcome(NODE, idsAndOutcomes[i], tokenOf.getOrDefault(idsAndOutcomes[i], "never-claimed"),
          idsAndOutcomes[i + 1]));
    }
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  /** The ids of a claim's answer, read the way the worker reads them. */
  private static List<String> ids(Response claimed) {
    Response messages = claimed.get(0);
    Response odd = claimed.get(1);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      String id = TestRedis.heldId(messages.get(i).toString());
      for (int j = 0; j + 1 < odd.size(); j += 2) {
        if (odd.get(j).toInteger() == i + 1) {
          id = odd.get(j + 1).toString();
        }
      }
      ids.add(id);
    }
    return ids;
  }

  @Test
  void claimTakesWhatLandedFirstThenUpToTheRequestedCountFromTheQueue() {
    enqueue(1, 10);
    redis.call("LMOVE", k().queue(), k().landing(NODE), "RIGHT", "LEFT");
    Response claimed = claim(3);
    assertThat(ids(claimed)).containsExactly("1", "2", "3", "4");
    assertThat(claimed.get(0).get(0).toString()).isEqualTo(message(1));
    assertThat(claimed.get(1).size()).as("no odd ids among canonical messages").isZero();
    assertThat(redis.held(NODE)).isEqualTo(4);
    assertThat(redis.number("LLEN", k().landing(NODE))).isZero();
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(6);
    // the claim doubles as a heartbeat
    assertThat(redis.call("ZSCORE", k().nodes(), NODE)).isNotNull();
  }

  @Test
  void aClaimRepeatedWithTheSameTokenReturnsWhatItTookInsteadOfTakingMore() {
    enqueue(1, 10);
    assertThat(ids(claim(3, "lost"))).containsExactly("1", "2", "3");
    // the answer was lost; meanwhile message 2 was finished (say by a retried finish)
    finish("2", "");
    assertThat(ids(claim(5, "lost"))).containsExactly("1", "3");
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(7);
    assertThat(ids(claim(2, "next"))).containsExactly("4", "5");
    // leaving or being reaped drops the records, tokens and all
    redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0));
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();
    assertThat(redis.number("LLEN", k().queue())).as("exactly the 4 not finished went back").isEqualTo(9);
  }

  @Test
  void claimOfZeroTakesOnlyWhatLandedAndAnEmptyQueueGivesNothing() {
    enqueue(1, 2);
    redis.call("LMOVE", k().queue(), k().landing(NODE), "RIGHT", "LEFT");
    assertThat(ids(claim(0))).containsExactly("1");
    assertThat(ids(claim(5))).containsExactly("2");
    assertThat(claim(5).get(0).size()).isZero();
  }

  @Test
  void entriesThatAreNotMessagesGoToTheErrorsListWithTheirRawText() {
    // no id, a negative id, and a message of the JSON format 4 (its id after a brace, not first):
    // none is what the generator makes, so all are malformed
    redis.call("LPUSH", k().queue(), "garbage", ":1:0:1:0:0:x", "-3:1:0:1:0:0:x", "{\"id\":9,\"epoch\":1,\"body\":\"x\"}",
        message(10));
    Response claimed = claim(10);
    assertThat(ids(claimed)).containsExactly("10");
    assertThat(redis.stat("malformed")).isEqualTo(4);
    List<String> raws = new ArrayList<>();
    for (Response e : redis.call("LRANGE", k().errors(), 0, -1)) {
      JsonObject entry = new JsonObject(e.toString());
      assertThat(entry.getString("error")).isEqualTo("malformed");
      assertThat(entry.getString("node")).isEqualTo(NODE);
      assertThat(entry.getLong("at")).isPositive();
      raws.add(entry.getString("raw"));
    }
    assertThat(raws).containsExactlyInAnyOrder("garbage", ":1:0:1:0:0:x", "-3:1:0:1:0:0:x", "{\"id\":9,\"epoch\":1,\"body\":\"x\"}");
  }

  @Test
  void finishRecordsEachOutcomeOnceWithAuditBitsCountersAndErrorEntries() {
    enqueue(1, 3);
    claim(3);
    Response r = finish("1", "", "2", "handler reported an error", "3", "");
    assertThat(r.get(0).toLong()).isEqualTo(3);
    assertThat(r.get(1).toLong()).isZero();
    assertThat(redis.number("HLEN", k().inflight(NODE))).isZero();
    assertThat(redis.stat("processed")).isEqualTo(3);
    assertThat(redis.stat("failed")).isEqualTo(1);
    assertThat(redis.audited()).isEqualTo(3);
    assertThat(redis.auditBit(2)).isEqualTo(1);

    JsonObject error = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(error.getLong("id")).isEqualTo(2);
    assertThat(error.getLong("epoch")).isEqualTo(1);
    assertThat(error.getString("body")).isEqualTo("b2");
    assertThat(error.getString("error")).isEqualTo("handler reported an error");
    assertThat(error.getString("node")).isEqualTo(NODE);
    assertThat(error.getLong("at")).isPositive();

    // the same outcomes again (a retried call): dropped, not recorded twice
    r = finish("1", "", "2", "handler reported an error");
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(1).toLong()).isEqualTo(2);
    assertThat(redis.stat("processed")).isEqualTo(3);
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(1);
    assertThat(redis.stat("stale_dropped")).isEqualTo(2);
    assertThat(redis.stat("duplicates")).isZero();
  }

  @Test
  void finishOfAMessageThatWasReapedMeanwhileIsDropped() {
    enqueue(1, 2);
    claim(2);
    // the reaper hands this node's messages back to the queue
    redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE),
        List.of(NODE, 0, 0));
    Response r = finish("1", "", "2", "boom");
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(1).toLong()).isEqualTo(2);
    assertThat(redis.audited()).isZero();
    assertThat(redis.number("LLEN", k().errors())).isZero();
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(2);
  }

  @Test
  void anOutcomeWhoseAuditBitIsAlreadySetIsCountedAsDuplicateAndNotRecordedAgain() {
    enqueue(5, 5);
    claim(1);
    redis.setAuditBit(5);
    finish("5", "boom");
    assertThat(redis.stat("duplicates")).isEqualTo(1);
    assertThat(redis.stat("processed")).isZero();
    assertThat(redis.stat("failed")).isZero();
    // not silent: the duplicate, with the outcome it carried, is in the errors list
    JsonObject entry = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(entry.getString("error")).isEqualTo("duplicate");
    assertThat(entry.getString("outcome")).isEqualTo("boom");
    assertThat(entry.getString("raw")).isEqualTo(message(5));
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(1);
    assertThat(redis.number("HLEN", k().inflight(NODE))).isZero();
  }

  @Test
  void aMalformedOutcomeKeepsTheRawTextAndSetsNoAuditBit() {
    // its id and epoch are the claim's to check; its meta length runs past the end
    String raw = "4:1:0:1:0:40:{}x";
    redis.call("LPUSH", k().queue(), raw);
    assertThat(ids(claim(1))).containsExactly("4");
    // the worker's parser finds the meta does not fit
    assertThat(Message.parse(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isNull();
    finish("4", "malformed");
    JsonObject error = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(error.getString("error")).isEqualTo("malformed");
    assertThat(error.getString("raw")).isEqualTo(raw);
    assertThat(redis.audited()).isZero();
    assertThat(redis.stat("malformed")).isEqualTo(1);
  }

  @Test
  void aThousandOutcomesInOneCall() {
    enqueue(1, 1000);
    assertThat(claim(1000).get(0).size()).isEqualTo(1000);
    String[] args = new String[2000];
    for (int i = 0; i < 1000; i++) {
      args[2 * i] = Integer.toString(i + 1);
      args[2 * i + 1] = i % 10 == 0 ? "boom" : "";
    }
    assertThat(finish(args).get(0).toLong()).isEqualTo(1000);
    assertThat(redis.audited()).isEqualTo(1000);
    assertThat(redis.number("LLEN", k().errors())).isEqualTo(100);
    assertThat(redis.number("HLEN", k().inflight(NODE))).isZero();
  }

  @Test
  void auditBitsOfNeighboursSurviveAndScatteredIdsAreAuditedToo() {
    // ids 3 and 7 were recorded earlier by someone else
    redis.setAuditBit(3);
    redis.setAuditBit(7);
    for (long id : new long[] {1, 2, 4, 5, 600_000}) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    claim(5);
    // 1..5 are dense (one byte range); 600000 makes the batch scattered: it takes the other path
    finish("1", "", "2", "", "4", "", "5", "");
    assertThat(redis.stat("duplicates")).isZero();
    for (long bit : new long[] {1, 2, 3, 4, 5, 7}) {
      assertThat(redis.auditBit(bit)).as("bit " + bit).isEqualTo(1);
    }
    assertThat(redis.auditBit(6)).isZero();
    assertThat(redis.audited()).isEqualTo(6);

    redis.call("LPUSH", k().queue(), message(5));
    redis.call("LPUSH", k().queue(), message(9));
    claim(2);
    // scattered batch (9 and 600000), with 600000 and 5 already recorded
    redis.setAuditBit(600_000);
    finish("9", "", "600000", "", "5", "");
    assertThat(redis.stat("duplicates")).isEqualTo(2);
    assertThat(redis.auditBit(9)).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(5);
  }
}
