package dev.redfleet.ops;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.status.StatusReport;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.worker.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** pause.lua, resume.lua, what claim.lua does while the fleet is paused, and what status shows. */
class PauseScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 1000);
    redis.call("SET", k().epoch(), 1);
  }

  private void enqueue(long fromId, long toId) {
    for (long id = fromId; id <= toId; id++) {
      redis.call("LPUSH", k().queue(), entry(id, 1, "b" + id));
    }
  }

  private Response claim(long fromQueue, String token) {
    return redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, fromQueue, 0, token));
  }

  private static List<Long> ids(Response claimed) {
    List<Long> ids = new ArrayList<>();
    for (Response raw : claimed.get(0)) {
      ids.add(Message.parse(raw.toBytes()).id());
    }
    return ids;
  }

  private static boolean pausedMarker(Response claimed) {
    Response odd = claimed.get(1);
    return odd.size() == 1 && odd.get(0).toString().equals("paused");
  }

  /** The queue from its consumer (right) end: the next message to be taken first. */
  private List<Long> queueFromConsumerEnd() {
    List<Long> ids = new ArrayList<>();
    Response all = redis.call("LRANGE", k().queue(), 0, -1);
    for (int i = all.size() - 1; i >= 0; i--) {
      ids.add(Message.parse(all.get(i).toBytes()).id());
    }
    return ids;
  }

  private Response pause(String by) {
    return redis.run(Script.PAUSE, List.of(k().paused()), List.of(by));
  }

  private Response resume() {
    return redis.run(Script.RESUME, List.of(k().paused()), List.of());
  }

  @Test
  void pauseRecordsWhoAndWhenOnTheRedisClockAndASecondPauseKeepsTheFirst() {
    long before = redis.call("TIME").get(0).toLong();
    Response first = pause("alice@ops \"night\"");
    assertThat(first.get(0).toInteger()).isEqualTo(1);
    JsonObject value = new JsonObject(redis.string("GET", k().paused()));
    assertThat(value.getString("by")).isEqualTo("alice@ops \"night\"");
    assertThat(value.getLong("at") / 1000).isBetween(before, before + 5);
    assertThat(first.get(1).toString()).isEqualTo(value.encode());

    Response second = pause("bob");
    assertThat(second.get(0).toInteger()).as("already paused").isZero();
    assertThat(new JsonObject(second.get(1).toString()).getString("by")).isEqualTo("alice@ops \"night\"");
    assertThat(new JsonObject(redis.string("GET", k().paused())).getString("by")).isEqualTo("alice@ops \"night\"");

    assertThat(resume().toString()).isEqualTo(value.encode());
    assertThat(redis.number("EXISTS", k().paused())).isZero();
    assertThat(resume()).as("resuming a fleet that is not paused").isNull();
  }

  @Test
  void pauseAndResumeRefuseAPausedKeyOfAnotherTypeAndChangeNothing() {
    redis.call("RPUSH", k().paused(), "intruder");
    assertThatThrownBy(() -> pause("alice")).hasMessageContaining("WRONGTYPE redfleet: " + k().paused() + " is a list");
    assertThatThrownBy(this::resume).hasMessageContaining("WRONGTYPE redfleet: " + k().paused() + " is a list");
    assertThat(redis.string("LINDEX", k().paused(), 0)).isEqualTo("intruder");
    // still, the fleet counts any key there as a pause: claims take nothing
    enqueue(1, 3);
    assertThat(pausedMarker(claim(10, "t1"))).isTrue();
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(3);
  }

  @Test
  void aPausedClaimTakesNothingAndGivesWhatLandedBackToTheConsumerEndInOrder() {
    enqueue(1, 6);
    // a BLMOVE landed 1 and 2 before the pause (2 is the newest in the landing list)
    redis.call("LMOVE", k().queue(), k().landing(NODE), "RIGHT", "LEFT");
    redis.call("LMOVE", k().queue(), k().landing(NODE), "RIGHT", "LEFT");
    pause("ops");

    Response paused = claim(10, "t1");
    assertThat(paused.get(0).size()).isZero();
    assertThat(pausedMarker(paused)).isTrue();
    assertThat(redis.number("EXISTS", k().landing(NODE))).isZero();
    assertThat(redis.number("HLEN", k().inflight(NODE))).isZero();
    assertThat(queueFromConsumerEnd()).as("as if they had never left").containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(redis.call("ZSCORE", k().nodes(), NODE)).as("a paused claim is still a heartbeat").isNotNull();

    resume();
    Response resumed = claim(4, "t2");
    assertThat(pausedMarker(resumed)).isFalse();
    assertThat(resumed.get(1).size()).isZero();
    assertThat(ids(resumed)).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aClaimWhoseAnswerWasLostIsReplayedWhilePausedWithTheMarker() {
    enqueue(1, 5);
    assertThat(ids(claim(3, "lost"))).containsExactly(1L, 2L, 3L);
    pause("ops");
    Response replay = claim(3, "lost");
    assertThat(ids(replay)).as("the node's messages already: the same claim comes back").containsExactly(1L, 2L, 3L);
    assertThat(pausedMarker(replay)).isTrue();
    assertThat(redis.number("LLEN", k().queue())).isEqualTo(2);

    // a paused claim took nothing and leaves no record: repeated once resumed, its token claims
    // afresh (nothing was the node's under it, so nothing can be stranded or taken twice)
    assertThat(claim(3, "empty").get(0).size()).isZero();
    assertThat(redis.number("HEXISTS", k().inflight(NODE), "empty")).isZero();
    assertThat(redis.number("EXISTS", k().inflightClaim(NODE, "empty"))).isZero();
    resume();
    assertThat(ids(claim(1, "empty"))).containsExactly(4L);
    assertThat(ids(claim(3, "fresh"))).containsExactly(5L);
  }

  @Test
  void statusShowsThePauseAndItsAuthor() {
    Scripts scripts = new Scripts(redis.client());
    JsonObject running = TestRedis.await(StatusReport.take(scripts, k(), 3000));
    assertThat(running.getBoolean("paused")).isFalse();
    assertThat(running.containsKey("pausedBy")).isFalse();
    assertThat(StatusReport.human(running)).doesNotContain("PAUSED");

    pause("carol@host");
    JsonObject paused = TestRedis.await(StatusReport.take(scripts, k(), 3000));
    assertThat(paused.getBoolean("paused")).isTrue();
    assertThat(paused.getString("pausedBy")).isEqualTo("carol@host");
    assertThat(paused.getLong("pausedAt")).isEqualTo(new JsonObject(redis.string("GET", k().paused())).getLong("at"));
    assertThat(StatusReport.human(paused)).contains("PAUSED      since ").contains(" by carol@host");

    // set by hand, not by pause: paused all the same
    redis.call("SET", k().paused(), "1");
    JsonObject byHand = TestRedis.await(StatusReport.take(scripts, k(), 3000));
    assertThat(byHand.getBoolean("paused")).isTrue();
    assertThat(byHand.getString("pausedBy")).isEqualTo("unknown");
    assertThat(StatusReport.human(byHand)).contains("PAUSED      since (unknown) by unknown");
  }
}
