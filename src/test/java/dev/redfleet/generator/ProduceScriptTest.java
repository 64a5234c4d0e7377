package dev.redfleet.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProduceScriptTest extends RedisTestBase {

  private Response produce(String token, long epoch, long limit, long cap, int count) {
    List<Object> args = new ArrayList<>(List.of(token, epoch, limit, cap, "", ""));
    for (int i = 0; i < count; i++) {
      args.add("\"body-" + i + "\"");
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
      taken.add(new JsonObject(redis.string("RPOP", redis.keys.queue())));
    }
    assertThat(taken).extracting(m -> m.getLong("id")).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(taken).extracting(m -> m.getLong("epoch")).containsExactly(1L, 1L, 1L, 2L, 2L);
    assertThat(taken.get(0).getString("body")).isEqualTo("body-0");
    assertThat(redis.stat("produced")).isEqualTo(5);
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
    assertThat(new JsonObject(redis.string("LINDEX", redis.keys.queue(), -1)).getLong("id")).isEqualTo(1);
    assertThat(new JsonObject(redis.string("LINDEX", redis.keys.queue(), 0)).getLong("id")).isEqualTo(2500);
  }
}
