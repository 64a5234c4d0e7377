package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit in segments of 2^24 ids (lua/lib/audit.lua): finish records ids past 2^32 (where one
 * bitmap ended: SETBIT takes offsets below 2^32) up to 2^53, a duplicate is caught in any segment,
 * a complete segment catches duplicates without its bitmap, and status reads a counter.
 */
class AuditSegmentsScriptTest extends RedisTestBase {
  private static final String NODE = "w1";
  private static final long TWO_32 = 1L << 32;
  private static final long TWO_53 = 1L << 53;

  private final Map<String, String> tokenOf = new HashMap<>();
  private int claims;

  private Keys k() {
    return redis.keys;
  }

  /** As if the generator had handed out every id up to 2^53 under epoch 1. */
  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), TWO_53);
    redis.call("SET", k().epoch(), 1);
  }

  private static String message(long id) {
    return entry(id, 1, "b" + id);
  }

  /** The ids queued, then claimed by NODE as a worker would. */
  private void claim(long... ids) {
    for (long id : ids) {
      redis.call("LPUSH", k().queue(), message(id));
    }
    String token = "t" + (++claims);
    Response claimed = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, ids.length, 0, token));
    assertThat(claimed.get(0).size()).as("claimed").isEqualTo(ids.length);
    for (long id : ids) {
      tokenOf.put(Long.toString(id), token);
    }
  }

  /** Pairs (id, outcome) finished under the token of their claim; attempts as given. */
  private Response finish(int attempts, Object... idsAndOutcomes) {
    List<Object> args = new ArrayList<>(List.of(NODE, attempts, 1000, 60_000, 7));
    for (int i = 0; i < idsAndOutcomes.length; i += 2) {
      String id = idsAndOutcomes[i].toString();
      args.addAll(redis.outcome(NODE, id, tokenOf.getOrDefault(id, "never-claimed"), idsAndOutcomes[i + 1].toString()));
    }
    return redis.run(Script.FINISH, k().finish(NODE), args);
  }

  private long counts(String field) {
    return redis.number("HGET", k().auditCounts(), field);
  }

  @Test
  void idsAroundTwoToThe32AreRecordedEachInItsSegment() {
    claim(TWO_32 - 1, TWO_32, TWO_32 + 1);
    Response r = finish(1, TWO_32 - 1, "", TWO_32, "boom", TWO_32 + 1, "");
    assertThat(r.get(0).toLong()).as("recorded").isEqualTo(3);
    assertThat(r.get(2).toLong()).as("duplicates").isZero();
    assertThat(redis.stat("processed")).isEqualTo(3);
    assertThat(redis.stat("malformed")).isZero();
    for (long id : new long[] {TWO_32 - 1, TWO_32, TWO_32 + 1}) {
      assertThat(redis.auditBit(id)).as("bit of " + id).isEqualTo(1);
    }
    // 2^32 - 1 is the last id of segment 255, 2^32 the first of segment 256
    assertThat(redis.number("GETBIT", k().auditSegment(255), Keys.AUDIT_SEGMENT_IDS - 1)).isEqualTo(1);
    assertThat(redis.number("GETBIT", k().auditSegment(256), 0)).isEqualTo(1);
    assertThat(redis.number("STRLEN", k().auditSegment(256))).as("a segment spans its own ids only").isEqualTo(1);
    assertThat(redis.number("STRLEN", k().auditSegment(255))).isEqualTo(Keys.AUDIT_SEGMENT_IDS / 8);
    assertThat(redis.number("EXISTS", k().audit())).as("no single bitmap").isZero();
    assertThat(counts("255")).isEqualTo(1);
    assertThat(counts("256")).isEqualTo(2);
    assertThat(redis.auditTotal()).isEqualTo(3);
  }

  @Test
  void idsNearTwoToThe53AreRecordedAndADuplicateThereIsCaught() {
    claim(TWO_53 - 1, TWO_53);
    assertThat(finish(1, TWO_53 - 1, "", TWO_53, "").get(0).toLong()).isEqualTo(2);
    assertThat(redis.auditBit(TWO_53 - 1)).isEqualTo(1);
    assertThat(redis.auditBit(TWO_53)).isEqualTo(1);
    assertThat(redis.number("GETBIT", k().auditSegment((TWO_53 >> 24) - 1), Keys.AUDIT_SEGMENT_IDS - 1)).isEqualTo(1);
    assertThat(redis.number("GETBIT", k().auditSegment(TWO_53 >> 24), 0)).isEqualTo(1);
    assertThat(redis.auditTotal()).isEqualTo(2);

    // the same message delivered again (a forged or requeued copy): its second outcome is a duplicate
    claim(TWO_53);
    Response again = finish(1, TWO_53, "late");
    assertThat(again.get(2).toLong()).as("duplicates").isEqualTo(1);
    assertThat(redis.stat("duplicates")).isEqualTo(1);
    assertThat(redis.stat("processed")).isEqualTo(2);
    assertThat(redis.auditTotal()).as("a duplicate is not counted").isEqualTo(2);
    JsonObject entry = new JsonObject(redis.string("LINDEX", k().errors(), 0));
    assertThat(entry.getString("error")).isEqualTo("duplicate");
    assertThat(entry.getString("outcome")).isEqualTo("late");
  }

  @Test
  void aDuplicateInALaterSegmentIsCaughtOnTheRetryPathToo() {
    long id = 3 * Keys.AUDIT_SEGMENT_IDS + 12_345;
    claim(id, 5);
    assertThat(finish(1, id, "", 5, "").get(0).toLong()).isEqualTo(2);
    // delivered again and failed with attempts left: recorded already, so a duplicate, not a retry
    claim(id);
    Response r = finish(3, id, "boom");
    assertThat(r.get(2).toLong()).as("duplicates").isEqualTo(1);
    assertThat(r.get(3).toLong()).as("retried").isZero();
    assertThat(redis.number("ZCARD", k().delayed())).isZero();
    assertThat(redis.auditTotal()).isEqualTo(2);
    assertThat(counts("0")).isEqualTo(1);
    assertThat(counts("3")).isEqualTo(1);
  }

  @Test
  void aCompleteSegmentCatchesDuplicatesWithoutItsBitmapAndIsNeverRecreated() {
    // segment 7 complete (every id recorded) and its bitmap deleted by the retention
    redis.call("HSET", k().auditCounts(), "7", Keys.AUDIT_SEGMENT_IDS, "total", Keys.AUDIT_SEGMENT_IDS);
    long id = 7 * Keys.AUDIT_SEGMENT_IDS + 99;
    claim(id);
    Response r = finish(1, id, "");
    assertThat(r.get(2).toLong()).as("duplicates").isEqualTo(1);
    assertThat(redis.number("EXISTS", k().auditSegment(7))).isZero();
    assertThat(redis.auditTotal()).isEqualTo(Keys.AUDIT_SEGMENT_IDS);
  }

  @Test
  void theOutcomeThatCompletesASegmentStampsItDone() {
    long last = 2 * Keys.AUDIT_SEGMENT_IDS - 1;
    // every id of segment 1 but its last recorded (as its count says)
    redis.call("HSET", k().auditCounts(), "1", Keys.AUDIT_SEGMENT_IDS - 1);
    claim(last);
    assertThat(finish(1, last, "").get(0).toLong()).isEqualTo(1);
    assertThat(counts("1")).isEqualTo(Keys.AUDIT_SEGMENT_IDS);
    long now = Long.parseLong(redis.call("TIME").get(0).toString()) * 1000;
    assertThat(counts("done:1")).isBetween(now - 5_000, now + 5_000);
    assertThat(redis.call("HGET", k().auditCounts(), "done:0")).isNull();
  }

  @Test
  void statusReadsTheCounterNotTheBitmaps() {
    claim(1, 2, TWO_32 + 7);
    finish(1, 1, "", 2, "boom", TWO_32 + 7, "");
    Response status = redis.run(Script.STATUS, k().status(), List.of(k().prefix()));
    assertThat(status.get(9).toLong()).isEqualTo(3);
    // the counter, not a BITCOUNT: a bit set by hand (no finish) does not count
    redis.setAuditBit(3);
    assertThat(redis.run(Script.STATUS, k().status(), List.of(k().prefix())).get(9).toLong()).isEqualTo(3);
  }

  /**
   * How finish sets audit bits (lib/audit.lua, audit_set_bits): ids close together and ids of many
   * claims finished together (up to 16 bytes of span an id: the span read, its bits set in Lua and
   * written back whole, past the bitmap's end too), and ids megabytes apart (one BITFIELD operation
   * each). Each sets exactly its ids' bits, and the same ids finished again are all duplicates.
   */
  @Test
  void closeScatteredAndFarApartIdsSetExactlyTheirBitsAndCatchTheirDuplicates() {
    redis.call("SET", k().seq(), 100_000_000L);
    long[] close = {3, 4, 5, 9, 17, 18, 60};
    // ten ids over 1,400 bits (175 bytes, within the 16 bytes an id of the rewritten span), past the
    // bitmap's end
    long[] scattered = {20_000, 20_150, 20_300, 20_450, 20_600, 20_750, 20_900, 21_050, 21_200, 21_400};
    long[] farApart = {7_000, 5_000_000, 9_000_001};
    List<Long> all = new ArrayList<>();
    for (long[] ids : List.of(close, scattered, farApart)) {
      claim(ids);
      Object[] outcomes = new Object[ids.length * 2];
      for (int i = 0; i < ids.length; i++) {
        outcomes[2 * i] = ids[i];
        outcomes[2 * i + 1] = "";
        all.add(ids[i]);
      }
      assertThat(finish(1, outcomes).get(0).toLong()).as("recorded").isEqualTo(ids.length);
      claim(ids);
      assertThat(finish(1, outcomes).get(2).toLong()).as("duplicates").isEqualTo(ids.length);
    }
    String bitmap = k().auditSegment(0);
    assertThat(redis.number("BITCOUNT", bitmap)).isEqualTo(all.size());
    for (long id : all) {
      assertThat(redis.number("GETBIT", bitmap, id)).as("bit of %d", id).isEqualTo(1);
      assertThat(redis.number("GETBIT", bitmap, id + 1) + redis.number("GETBIT", bitmap, id - 1))
          .as("bits beside %d", id).isEqualTo((all.contains(id + 1) ? 1 : 0) + (all.contains(id - 1) ? 1 : 0));
    }
    assertThat(counts("total")).isEqualTo(all.size());
  }
}
