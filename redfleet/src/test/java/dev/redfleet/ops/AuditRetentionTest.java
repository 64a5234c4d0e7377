package dev.redfleet.ops;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The audit's retention (auditRetentionHours): the bitmap of a complete segment older than the
 * retention is deleted, its count stays, and a duplicate in it is still caught.
 */
class AuditRetentionTest extends RedisTestBase {
  private static final long HOUR = 3_600_000;

  private Keys k() {
    return redis.keys;
  }

  private long now() {
    return Long.parseLong(redis.call("TIME").get(0).toString()) * 1000;
  }

  /** Segment {@code n} complete (every bit set, its count full) since {@code at}. */
  private void completeSince(long n, long at) {
    redis.call("SETRANGE", k().auditSegment(n), 0, "x");  // a bitmap, as good as any for the retention
    redis.call("HSET", k().auditCounts(), Long.toString(n), Keys.AUDIT_SEGMENT_IDS, "done:" + n, at);
  }

  @Test
  void completeSegmentsOlderThanTheRetentionLoseTheirBitmapAndStillCatchDuplicates() {
    long now = now();
    completeSince(1, now - 2 * HOUR);
    completeSince(2, now - HOUR / 6);
    redis.call("SETBIT", k().auditSegment(3), 5, 1);
    redis.call("HSET", k().auditCounts(), "3", 1);

    long deleted = redis.run(Script.AUDIT_PRUNE, List.of(k().audit()), List.of(HOUR)).toLong();

    assertThat(deleted).isEqualTo(1);
    assertThat(redis.number("EXISTS", k().auditSegment(1))).as("older than the retention").isZero();
    assertThat(redis.number("EXISTS", k().auditSegment(2))).as("complete for 10 minutes only").isEqualTo(1);
    assertThat(redis.number("EXISTS", k().auditSegment(3))).as("not complete").isEqualTo(1);
    assertThat(redis.number("HGET", k().auditCounts(), "1")).as("the count stays").isEqualTo(Keys.AUDIT_SEGMENT_IDS);
    assertThat(redis.call("HGET", k().auditCounts(), "done:1")).isNull();
    assertThat(redis.number("HGET", k().auditCounts(), "done:2")).isEqualTo(now - HOUR / 6);

    // a late outcome for an id of the pruned segment: a duplicate, and the bitmap is not written again
    long id = Keys.AUDIT_SEGMENT_IDS + 77;
    redis.call("SET", k().seq(), 4 * Keys.AUDIT_SEGMENT_IDS);
    redis.holdByHand("n", "t", List.of(Long.toString(id)), List.of(entry(id, 1, "b")));
    List<Object> args = new java.util.ArrayList<>(List.of("n", 1, 1000, 60_000, 7));
    args.addAll(redis.outcome("n", Long.toString(id), "t", ""));
    var r = redis.run(Script.FINISH, k().finish("n"), args);
    assertThat(r.get(2).toLong()).as("duplicates").isEqualTo(1);
    assertThat(redis.number("EXISTS", k().auditSegment(1))).isZero();
    // the whole-audit readers count a pruned segment as complete
    assertThat(redis.auditedIds().get((int) id)).isTrue();
  }

  @Test
  void theLeaderPrunesOnItsSchedule() {
    completeSince(1, now() - 1000);
    Scripts scripts = new Scripts(RedisConnector.create(redis.vertx(), server.url()).pooled(1));
    String deployment = TestRedis.await(redis.vertx().deployVerticle(new AuditPruneVerticle(scripts, k(), 0, 100)));
    Waits.pause(300);
    assertThat(redis.number("EXISTS", k().auditSegment(1))).as("a follower prunes nothing").isEqualTo(1);
    redis.vertx().eventBus().send(Leadership.ADDRESS, new Leadership(true, 1, "n:1").toJson());
    Waits.until("the bitmap pruned", Duration.ofSeconds(5), () -> redis.number("EXISTS", k().auditSegment(1)) == 0);
    TestRedis.await(redis.vertx().undeploy(deployment));
  }
}
