package dev.redfleet.generator;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProduceScriptTest extends RedisTestBase {

  /** A message's tail as produce takes it (lua/lib/entry.lua): no key, no headers, the body as it is. */
  private static String tail(String body) {
    return "0:" + body;
  }

  private Response produce(String token, long epoch, long limit, long cap, int count) {
    List<Object> args = new ArrayList<>(List.of(token, epoch, limit, cap, "", ""));
    for (int i = 0; i < count; i++) {
      args.add(tail("body-" + i));
    }
    return redis.run(Script.PRODUCE,
        redis.keys.produce(), args);
  }

  private void lease(String token) {
    redis.call("SET", redis.keys.leader(), token, "PX", 10_000);
  }

  @Test
  void withoutTheLeaseNothingIsWritten() {
    Response r = produce("a:1", 1, 0, 100, 5);
    assertThat(r.get(2).toString()).isEqualTo("fenced");
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
    assertThat(redis.string("GET", redis.keys.seq())).isNull();

    lease("b:2");
    assertThat(produce("a:1", 1, 0, 100, 5).get(2).toString()).isEqualTo("fenced");
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
  }

  @Test
  void idsAreGapFreeAcrossCallsAndEpochsAndOldestIsConsumedFirst() {
    lease("a:1");
    assertThat(produce("a:1", 1, 0, 100, 3).get(1).toLong()).isEqualTo(3);
    lease("b:2");
    Response r = produce("b:2", 2, 0, 100, 2);
    assertThat(r.get(0).toLong()).isEqualTo(2);
    assertThat(r.get(1).toLong()).isEqualTo(5);
    List<JsonObject> taken = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      taken.add(json(redis.string("RPOP", redis.keys.queue())));
    }
    assertThat(taken).extracting(m -> m.getLong("id")).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(taken).extracting(m -> m.getLong("epoch")).containsExactly(1L, 1L, 1L, 2L, 2L);
    assertThat(taken.get(0).getString("body")).isEqualTo("body-0");
    assertThat(redis.stat("produced")).isEqualTo(5);
  }

  /**
   * Lua writes a number of 15 digits or more in exponent form (1e+14): ids from 10^14 on must still
   * be digits, or every message past them would be malformed. Ids go up to 2^53.
   */
  @Test
  void idsOfFifteenDigitsAndMoreAreWrittenAsDigitsAndClaimedAsMessages() {
    lease("a:1");
    redis.call("SET", redis.keys.epoch(), 1);
    for (long seq : new long[] {99_999_999_999_998L, 9_007_199_254_740_989L}) {
      redis.call("DEL", redis.keys.queue());
      redis.call("SET", redis.keys.seq(), seq);
      assertThat(produce("a:1", 1, 0, 100, 3).get(1).toLong()).isEqualTo(seq + 3);
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String raw = redis.string("LINDEX", redis.keys.queue(), -1 - i);
        assertThat(raw).startsWith((seq + 1 + i) + ":");
        ids.add(json(raw).getLong("id"));
      }
      assertThat(ids).containsExactly(seq + 1, seq + 2, seq + 3);
      Response claimed = redis.run(Script.CLAIM, redis.keys.claim("w1"), List.of("w1", 3, 0, "s:" + seq));
      assertThat(claimed.get(0).size()).as("claimed as messages, none malformed").isEqualTo(3);
      assertThat(redis.stat("malformed")).isZero();
    }
  }

  @Test
  void theLimitCutsTheBatchAndThenStopsProduction() {
    lease("a:1");
    Response r = produce("a:1", 1, 7, 100, 5);
    assertThat(r.get(2).toString()).isEqualTo("ok");
    r = produce("a:1", 1, 7, 100, 5);
    assertThat(r.get(0).toLong()).isEqualTo(2);
    assertThat(r.get(2).toString()).isEqualTo("limit");
    r = produce("a:1", 1, 7, 100, 5);
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(2).toString()).isEqualTo("limit");
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(7);
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(7);
  }

  @Test
  void theQueueNeverGrowsPastItsCap() {
    lease("a:1");
    Response r = produce("a:1", 1, 0, 4, 3);
    assertThat(r.get(2).toString()).isEqualTo("ok");
    r = produce("a:1", 1, 0, 4, 3);
    assertThat(r.get(0).toLong()).isEqualTo(1);
    assertThat(r.get(2).toString()).isEqualTo("full");
    r = produce("a:1", 1, 0, 4, 3);
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(2).toString()).isEqualTo("full");
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(4);
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(4);
  }

  @Test
  void largeBatchesArePushedInChunks() {
    lease("a:1");
    Response r = produce("a:1", 1, 0, 1_000_000, 2500);
    assertThat(r.get(0).toLong()).isEqualTo(2500);
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2500);
    assertThat(json(redis.string("LINDEX", redis.keys.queue(), -1)).getLong("id")).isEqualTo(1);
    assertThat(json(redis.string("LINDEX", redis.keys.queue(), 0)).getLong("id")).isEqualTo(2500);
  }

  /** A batch read from a source: items after cursor {@code from}, committed with cursor {@code to}. */
  private Response produceFrom(String token, long limit, long cap, String from, String to, String... items) {
    List<Object> args = new ArrayList<>(List.of(token, Fleet.epochOf(token), limit, cap, from, to));
    args.addAll(List.of(items));
    return redis.run(Script.PRODUCE, redis.keys.produce(), args);
  }

  private String cursor() {
    return redis.string("GET", redis.keys.sourceCursor());
  }

  @Test
  void aBatchWithACursorIsWrittenOnlyFromTheCommittedCursorAndCommitsItsOwn() {
    lease("a:1");
    // the very start: nothing committed, the batch starts from ''
    Response r = produceFrom("a:1", 0, 100, "", "2", tail("one"), tail("two"));
    assertThat(r.get(0).toLong()).isEqualTo(2);
    assertThat(r.get(2).toString()).isEqualTo("ok");
    assertThat(cursor()).isEqualTo("2");
    // the same batch again (a retry whose first answer was lost): nothing written, the committed cursor said
    r = produceFrom("a:1", 0, 100, "", "2", tail("one"), tail("two"));
    assertThat(r.get(2).toString()).isEqualTo("moved");
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(1).toLong()).isEqualTo(2);
    assertThat(r.get(3).toString()).isEqualTo("2");
    // a new generator that read the cursor goes on from it
    lease("b:2");
    r = produceFrom("b:2", 0, 100, "2", "3", tail("three"));
    assertThat(r.get(2).toString()).isEqualTo("ok");
    assertThat(cursor()).isEqualTo("3");
    // an old cursor is refused however the batch looks
    assertThat(produceFrom("b:2", 0, 100, "2", "3", tail("three")).get(2).toString()).isEqualTo("moved");
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(3);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      bodies.add(json(redis.string("RPOP", redis.keys.queue())).getString("body"));
    }
    assertThat(bodies).containsExactly("one", "two", "three");
  }

  @Test
  void aBatchWithACursorIsAllOrNothingAgainstTheCapAndTheLimit() {
    lease("a:1");
    // the cap leaves room for 2 of 3: nothing written, the cursor stays
    Response r = produceFrom("a:1", 0, 2, "", "3", tail("a"), tail("b"), tail("c"));
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(2).toString()).isEqualTo("full");
    assertThat(cursor()).isNull();
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
    // the limit leaves room for 2 of 3: 'limit' with seq below the limit, nothing written
    r = produceFrom("a:1", 2, 100, "", "3", tail("a"), tail("b"), tail("c"));
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(1).toLong()).isZero();
    assertThat(r.get(2).toString()).isEqualTo("limit");
    assertThat(cursor()).isNull();
    // what fits is written whole, and then the limit is reached
    r = produceFrom("a:1", 2, 100, "", "2", tail("a"), tail("b"));
    assertThat(r.get(0).toLong()).isEqualTo(2);
    assertThat(r.get(2).toString()).isEqualTo("limit");
    assertThat(cursor()).isEqualTo("2");
  }

  @Test
  void aCursorWithoutMessagesOnlyMovesTheCursorAndItemsMayCarryHeaders() {
    lease("a:1");
    Response r = produceFrom("a:1", 0, 100, "", "2026-01-01T00:00:00Z");
    assertThat(r.get(0).toLong()).isZero();
    assertThat(r.get(2).toString()).isEqualTo("ok");
    assertThat(cursor()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(redis.string("GET", redis.keys.seq())).isNull();
    r = produceFrom("a:1", 0, 100, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z",
        dev.redfleet.send.Sender.tail("tick!", null, java.util.Map.of("tick", "2026-01-01T00:00:01Z")));
    assertThat(r.get(0).toLong()).isEqualTo(1);
    JsonObject message = json(redis.string("RPOP", redis.keys.queue()));
    assertThat(message.getString("body")).isEqualTo("tick!");
    assertThat(message.getJsonObject("headers").getString("tick")).isEqualTo("2026-01-01T00:00:01Z");
    assertThat(message.getLong("epoch")).isEqualTo(1);
  }

  @Test
  void whilePausedOrFencedNothingIsWrittenAndTheCursorStays() {
    lease("a:1");
    redis.call("SET", redis.keys.paused(), "1");
    assertThat(produceFrom("a:1", 0, 100, "", "1", tail("x")).get(2).toString()).isEqualTo("paused");
    redis.call("DEL", redis.keys.paused());
    assertThat(produceFrom("b:2", 0, 100, "", "1", tail("x")).get(2).toString()).isEqualTo("fenced");
    assertThat(cursor()).isNull();
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
  }
}
