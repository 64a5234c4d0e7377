package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A claim larger than a chunk (lua/lib/deliveries.lua: 32 messages) is stored as several records,
 * yet named as one: outcomes by (token, index in the whole claim), a repeated token answers with
 * every message not done and its index in the claim, and a requeue gives back exactly the
 * messages not done, the claim's oldest first out.
 */
class DeliveryChunksScriptTest extends RedisTestBase {
  private static final String NODE = "w1";
  private static final String TOKEN = "s:1";

  private Keys k() {
    return redis.keys;
  }

  @BeforeEach
  void aClaimOfOneHundred() {
    redis.call("SET", k().seq(), 200);
    redis.call("SET", k().epoch(), 1);
    List<String> messages = new ArrayList<>();
    for (long id = 1; id <= 100; id++) {
      messages.add(message(id));
    }
    // oldest first out: LPUSH in id order leaves id 1 at the consumer end
    redis.pushAll(k().queue(), messages);
    Response claimed = claim(TOKEN, 200);
    assertThat(claimed.get(0).size()).isEqualTo(100);
  }

  private static String message(long id) {
    return entry(id, 1, 1700000000000L, 1, "b" + id);
  }

  private Response claim(String token, int count) {
    return redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, count, 0, token));
  }

  /** Pairs (index in the claim, outcome), attempts 1: a failure goes to the errors list. */
  private Response finish(String token, Object... pairs) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 10, 10, 42));
    for (int i = 0; i < pairs.length; i += 2) {
      args.addAll(List.of(token, pairs[i].toString(), "1", pairs[i + 1]));
    }
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  private long id(Response raw) {
    return Long.parseLong(TestRedis.heldId(raw.toString()));
  }

  @Test
  void aClaimOfOneHundredIsFourChunksNamedAsOneClaim() {
    assertThat(redis.number("HEXISTS", k().inflight(NODE), TestRedis.chunkField(TOKEN, 3))).isEqualTo(1);
    assertThat(redis.number("HEXISTS", k().inflight(NODE), TestRedis.chunkField(TOKEN, 4))).isZero();
    assertThat(redis.held(NODE)).isEqualTo(100);

    Response done = finish(TOKEN, 1, "", 33, "", 50, "boom", 70, "", 100, "");
    assertThat(done.get(0).toLong()).as("recorded").isEqualTo(5);
    assertThat(done.get(1).toLong()).as("dropped").isZero();
    for (long id : new long[] {1, 33, 50, 70, 100}) {
      assertThat(redis.auditBit(id)).as("audit bit of " + id).isEqualTo(1);
    }
    assertThat(redis.auditBit(2)).isZero();
    // the failure's entry is message 50 itself, read from its chunk
    assertThat(redis.string("LINDEX", k().errors(), 0)).startsWith("{\"id\":50,").contains("\"error\":\"boom\"");
    assertThat(redis.held(NODE)).isEqualTo(95);

    // the same outcomes again: their deliveries are done, so they are dropped
    Response again = finish(TOKEN, 33, "", 100, "");
    assertThat(again.get(0).toLong()).isZero();
    assertThat(again.get(1).toLong()).isEqualTo(2);
    // an index past the claim, and a chunk named as if it were a token, name no delivery
    Response forged = finish(TOKEN, 101, "");
    assertThat(forged.get(1).toLong()).isEqualTo(1);
    Response chunkName = finish(TestRedis.chunkField(TOKEN, 1), 2, "");
    assertThat(chunkName.get(1).toLong()).isEqualTo(1);
    assertThat(redis.auditBit(34)).isZero();
  }

  @Test
  void theClaimsIdsAreMarkedDoneInPlaceAndTheClaimGoesWithItsLastMessage() {
    long[] slots = redis.claimSlots(NODE, TOKEN);
    assertThat(slots).hasSize(102);
    assertThat(slots[0]).as("held").isEqualTo(100);
    assertThat(slots[1]).as("size").isEqualTo(100);
    assertThat(slots[2]).as("message 1's id").isEqualTo(1);
    assertThat(slots[101]).as("message 100's id").isEqualTo(100);

    // fewer than 16 outcomes of the claim: read slot by slot
    finish(TOKEN, 3, "", 64, "");
    slots = redis.claimSlots(NODE, TOKEN);
    assertThat(slots[0]).isEqualTo(98);
    assertThat(slots[4]).isZero();
    assertThat(slots[65]).isZero();
    assertThat(slots[5]).isEqualTo(4);

    // 20 outcomes of the claim in one call, one of them done already: the claim is read whole
    Object[] twenty = new Object[40];
    for (int j = 0; j < 20; j++) {
      twenty[2 * j] = j + 1;
      twenty[2 * j + 1] = "";
    }
    Response done = finish(TOKEN, twenty);
    assertThat(done.get(0).toLong()).as("recorded").isEqualTo(19);
    assertThat(done.get(1).toLong()).as("dropped: 3 was done").isEqualTo(1);
    assertThat(redis.claimSlots(NODE, TOKEN)[0]).isEqualTo(79);

    // an index no claim can have is dropped, not refused, also
    // where Redis allows strings of only 1 MB (slot 200,001 lies past it)
    assertThat(finish(TOKEN, 99_999_999_999L, "").get(1).toLong()).isEqualTo(1);
    String bulk = redis.call("CONFIG", "GET", "proto-max-bulk-len").get("proto-max-bulk-len").toString();
    redis.call("CONFIG", "SET", "proto-max-bulk-len", "1mb");
    try {
      assertThat(finish(TOKEN, 200_000, "", 21, "").get(1).toLong()).isEqualTo(1);
    } finally {
      redis.call("CONFIG", "SET", "proto-max-bulk-len", bulk);
    }
    assertThat(redis.claimSlots(NODE, TOKEN)[0]).as("21 recorded in the same call").isEqualTo(78);

    Object[] rest = new Object[2 * 79];
    for (int j = 0; j < 79; j++) {
      rest[2 * j] = 22 + j;
      rest[2 * j + 1] = "";
    }
    assertThat(finish(TOKEN, rest).get(0).toLong()).as("64 was done").isEqualTo(78);
    assertThat(redis.claimSlots(NODE, TOKEN)).as("the claim's key is gone").isEmpty();
    assertThat(redis.number("EXISTS", k().inflight(NODE))).as("and its chunks and |held").isZero();
    assertThat(redis.audited()).isEqualTo(100);
  }

  @Test
  void aRepeatedTokenAnswersWithEveryMessageNotDoneAndItsIndexInTheClaim() {
    finish(TOKEN, 1, "", 40, "", 64, "", 65, "");
    Response replay = claim(TOKEN, 200);
    Response messages = replay.get(0);
    Response indices = replay.get(2);
    assertThat(messages.size()).isEqualTo(96);
    assertThat(indices.size()).isEqualTo(96);
    for (int j = 0; j < messages.size(); j++) {
      // ids are their indices here: message k of the claim is id k
      assertThat(id(messages.get(j))).isEqualTo(indices.get(j).toLong());
      assertThat(indices.get(j).toLong()).isNotIn(1L, 40L, 64L, 65L);
    }
    assertThat(indices.get(0).toLong()).isEqualTo(2);
    assertThat(indices.get(95).toLong()).isEqualTo(100);
  }

  @Test
  void aClaimKeyCutToItsHeldSlotHasNoSizeAndReplaysNothing() {
    // one slot left (by hand): nothing says how many messages the claim has, so none is named
    redis.call("EVAL", "redis.call('SET', KEYS[1], string.sub(redis.call('GET', KEYS[1]), 1, 8))", 1,
        k().inflightClaim(NODE, TOKEN));
    Response replay = claim(TOKEN, 200);
    assertThat(replay.get(0).size()).isZero();
    assertThat(replay.get(2).size()).isZero();
  }

  @Test
  void aRequeueGivesBackExactlyTheMessagesNotDoneOldestFirstOut() {
    finish(TOKEN, 2, "", 32, "", 33, "", 99, "");
    // requeue-node answers {moved, forgotten}
    long moved = redis.run(Script.REQUEUE_NODE, k().requeueNode(NODE), List.of(NODE, 0, 0)).get(0).toLong();
    assertThat(moved).isEqualTo(96);
    assertThat(redis.number("EXISTS", k().inflight(NODE))).isZero();
    List<Long> order = new ArrayList<>();
    for (int j = 0; j < 96; j++) {
      order.add(Long.parseLong(TestRedis.heldId(redis.string("RPOP", k().queue()))));
    }
    List<Long> expected = new ArrayList<>();
    for (long id = 1; id <= 100; id++) {
      if (id != 2 && id != 32 && id != 33 && id != 99) {
        expected.add(id);
      }
    }
    assertThat(order).containsExactlyElementsOf(expected);
  }

  @Test
  void requeueStrandedKeepsTheDeliveriesTheNodeNamesByTheirIndexInTheClaim() {
    // the node still runs messages 5 and 70 of the claim; everything else it no longer holds
    long moved = redis.run(Script.REQUEUE_STRANDED, k().requeueStranded(NODE), List.of(TOKEN + "|5", TOKEN + "|70"))
        .toLong();
    assertThat(moved).isEqualTo(98);
    assertThat(redis.held(NODE)).isEqualTo(2);
    Response done = finish(TOKEN, 5, "", 70, "");
    assertThat(done.get(0).toLong()).isEqualTo(2);
    assertThat(redis.held(NODE)).isZero();
  }

  @Test
  void aTokenWithAHashIsRefusedBeforeAnyWrite() {
    redis.call("LPUSH", k().queue(), message(150));
    assertThatThrownBy(() -> claim("s#2", 10)).hasMessageContaining("has a | or a #");
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(1);
  }
}
