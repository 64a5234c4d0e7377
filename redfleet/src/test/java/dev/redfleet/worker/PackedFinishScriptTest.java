package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.FinishOutcomes;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.DeliveryStore;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * finish.lua's packed indices: one quadruple (token, '*' + 4 bytes an index, attempt, outcome)
 * stands for an outcome per index, recorded exactly as the same outcomes sent one quadruple each;
 * and {@link DeliveryStore#finish} packs what the worker hands it.
 */
class PackedFinishScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 5000);
    redis.call("SET", k().epoch(), 1);
  }

  /** Messages 1..count queued, claimed under {@code token}: message i has index i. */
  private void claimed(String token, int count) {
    List<String> messages = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      messages.add(entry(id, 1, 1700000000000L, 1, "b" + id));
    }
    redis.pushAll(k().queue(), messages);
    Response claim = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, count, count, token));
    assertThat(claim.get(0).size()).isEqualTo(count);
  }

  private static byte[] packed(int... indices) {
    ByteBuffer bytes = ByteBuffer.allocate(1 + 4 * indices.length);
    bytes.put(FinishOutcomes.PACKED);
    for (int index : indices) {
      bytes.putInt(index);
    }
    return bytes.array();
  }

  private Response finish(Object... quadruples) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 10, 10, 42));
    args.addAll(List.of(quadruples));
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  /** The messages a repeated claim of {@code token} gets back: what its record still holds. */
  private List<Integer> stillHeld(String token) {
    Response again = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, 0, 0, token));
    List<Integer> indices = new ArrayList<>();
    for (Response index : again.get(2)) {
      indices.add(index.toInteger());
    }
    return indices;
  }

  @Test
  void aPackedQuadrupleRecordsAnOutcomePerIndexAndLeavesTheOthersHeld() {
    claimed("t1", 10);
    Response r = finish("t1", packed(1, 2, 3, 5, 8), "1", "", "t1", packed(4, 6), "1", "boom", "t1", "7", "1", "");
    assertThat(r.get(0).toLong()).as("recorded").isEqualTo(8);
    assertThat(r.get(1).toLong()).as("dropped").isZero();
    assertThat(redis.stat("processed")).isEqualTo(8);
    assertThat(redis.stat("failed")).isEqualTo(2);
    List<String> errors = new ArrayList<>();
    for (Response e : redis.call("LRANGE", k().errors(), 0, -1)) {
      errors.add(e.toString());
    }
    assertThat(errors).hasSize(2).allMatch(e -> e.contains("\"error\":\"boom\""));
    assertThat(errors).anyMatch(e -> e.startsWith("{\"id\":4,")).anyMatch(e -> e.startsWith("{\"id\":6,"));
    for (long id = 1; id <= 10; id++) {
      assertThat(redis.auditBit(id)).as("audit bit of %d", id).isEqualTo(id <= 8 ? 1 : 0);
    }
    assertThat(redis.held(NODE)).isEqualTo(2);
    assertThat(stillHeld("t1")).containsExactly(9, 10);
  }

  @Test
  void aDeliveryNamedTwiceCountsOnceAndAnIndexBeyondTheClaimIsDropped() {
    claimed("t1", 4);
    Response r = finish("t1", packed(1, 2, 2, 9), "1", "", "t1", packed(1, 3), "1", "boom");
    assertThat(r.get(0).toLong()).as("recorded").isEqualTo(3);
    assertThat(r.get(1).toLong()).as("dropped: 2 again, 9 and 1 again").isEqualTo(3);
    assertThat(redis.stat("failed")).as("1 failed only after it succeeded: the first outcome counts").isEqualTo(1);
    assertThat(stillHeld("t1")).containsExactly(4);
  }

  @Test
  void aFewMarksGoInPlaceAndManyRebuildTheClaimEitherWayLeavingExactlyTheOthersHeld() {
    claimed("t1", 64);
    // 2 of 64: written in place (deliveries_settle's SETRANGE per mark)
    assertThat(finish("t1", packed(17, 3), "1", "").get(0).toLong()).isEqualTo(2);
    List<Integer> expected = new ArrayList<>();
    for (int index = 1; index <= 64; index++) {
      if (index != 3 && index != 17) {
        expected.add(index);
      }
    }
    assertThat(stillHeld("t1")).isEqualTo(expected);
    assertThat(redis.held(NODE)).isEqualTo(62);
    // 3 again (dropped) and 30 more (2, 4 .. 60): the claim rebuilt whole
    int[] more = new int[31];
    more[0] = 3;
    for (int i = 1; i < more.length; i++) {
      more[i] = 2 * i;
    }
    Response r = finish("t1", packed(more), "1", "");
    assertThat(r.get(0).toLong()).as("recorded").isEqualTo(30);
    assertThat(r.get(1).toLong()).as("dropped: 3, done already").isEqualTo(1);
    for (int i = 1; i < more.length; i++) {
      expected.remove(Integer.valueOf(2 * i));
    }
    assertThat(stillHeld("t1")).isEqualTo(expected);
    assertThat(redis.held(NODE)).isEqualTo(32);
    assertThat(redis.audited()).isEqualTo(32);
    // the rest: the held count in the claim key was kept right by both, so the claim goes now
    assertThat(finish("t1", packed(expected.stream().mapToInt(Integer::intValue).toArray()), "1", "").get(0).toLong())
        .isEqualTo(32);
    assertThat(redis.number("EXISTS", k().inflight(NODE) + "|t1")).as("the claim key").isZero();
    assertThat(redis.number("EXISTS", k().inflight(NODE))).as("the in-flight hash").isZero();
    assertThat(redis.audited()).isEqualTo(64);
  }

  @Test
  void moreThanAThousandPackedIndicesAreAllRecorded() {
    claimed("t1", 2500);
    int[] all = new int[2500];
    for (int i = 0; i < all.length; i++) {
      all[i] = all.length - i;
    }
    Response r = finish("t1", packed(all), "1", "");
    assertThat(r.get(0).toLong()).isEqualTo(2500);
    assertThat(redis.audited()).isEqualTo(2500);
    assertThat(redis.held(NODE)).isZero();
  }

  @Test
  void theStorePacksTheWorkersQuadruplesAndRecordsThemAsSentOneByOne() {
    claimed("t1", 300);
    DeliveryStore store = new DeliveryStore(new Scripts(redis.client()), k(), NODE);
    List<Object> quadruples = new ArrayList<>();
    for (int index = 1; index <= 290; index++) {
      quadruples.addAll(List.of("t1", index, 1, index % 7 == 0 ? "boom" : ""));
    }
    quadruples.addAll(List.of("t1", 295, 1, "other"));
    assertThat(FinishOutcomes.pack(quadruples)).as("success, boom, other").hasSize(12);
    long before = redis.scriptCalls();
    DeliveryStore.Finished finished = TestRedis.await(store.finish(new DeliveryStore.RetryPolicy(1, 10, 10), 7, quadruples));
    assertThat(redis.scriptCalls() - before).isEqualTo(1);
    assertThat(finished.recorded()).isEqualTo(291);
    assertThat(redis.stat("failed")).isEqualTo(290 / 7 + 1);
    assertThat(redis.audited()).isEqualTo(291);
    List<Integer> left = stillHeld("t1");
    assertThat(left).containsExactly(291, 292, 293, 294, 296, 297, 298, 299, 300);
  }
}
