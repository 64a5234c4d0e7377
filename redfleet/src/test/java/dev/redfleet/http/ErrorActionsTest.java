package dev.redfleet.http;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.errors.ErrorRequeuer;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page's actions on one entry, on a real Redis: {@code delete-error.lua} and
 * {@link ErrorRequeuer#requeueOne} take exactly the entry named by its text (never a neighbour,
 * whatever moved meanwhile), write nothing for an entry that is gone, and the request fields are
 * checked before anything is called.
 */
class ErrorActionsTest extends RedisTestBase {
  private static String failed(long id) {
    return "{\"id\":" + id + ",\"epoch\":1,\"ts\":5,\"body\":\"b" + id + "\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}";
  }

  private List<String> errors() {
    List<String> out = new ArrayList<>();
    redis.call("LRANGE", redis.keys.errors(), 0, -1).forEach(r -> out.add(r.toString()));
    return out;
  }

  private long delete(String entry) {
    return redis.run(Script.DELETE_ERROR, redis.keys.deleteError(), List.of(entry)).toLong();
  }

  private ErrorRequeuer.One requeue(String entry) {
    return TestRedis.await(ErrorRequeuer.requeueOne(new Scripts(redis.client()), redis.keys, entry));
  }

  @Test
  void deleteTakesExactlyTheNamedEntryEvenAfterTheListMoved() {
    redis.pushAll(redis.keys.errors(), List.of(failed(1), failed(2), failed(3)));
    // the page read the list; meanwhile getErrors took the oldest and a new failure arrived
    redis.call("RPOP", redis.keys.errors());
    redis.call("LPUSH", redis.keys.errors(), failed(4));
    assertThat(delete(failed(2))).isEqualTo(1);
    assertThat(errors()).containsExactly(failed(4), failed(3));
    assertThat(redis.stat("deleted_errors")).isEqualTo(1);
    // gone (taken by another reader, or a second click): nothing written, no neighbour taken
    assertThat(delete(failed(2))).isZero();
    assertThat(delete(failed(1))).isZero();
    assertThat(errors()).containsExactly(failed(4), failed(3));
    assertThat(redis.stat("deleted_errors")).isEqualTo(1);
    // one of two identical copies
    redis.call("LPUSH", redis.keys.errors(), failed(3));
    assertThat(delete(failed(3))).isEqualTo(1);
    assertThat(errors()).containsExactly(failed(4), failed(3));
  }

  @Test
  void deleteRefusesWrongTypedKeysBeforeItsFirstWrite() {
    redis.pushAll(redis.keys.errors(), List.of(failed(1)));
    redis.call("SET", redis.keys.stats(), "intruder");
    assertThatThrownBy(() -> delete(failed(1))).hasMessageContaining("WRONGTYPE").hasMessageContaining("nothing was changed");
    assertThat(errors()).containsExactly(failed(1));
    redis.call("DEL", redis.keys.stats(), redis.keys.errors());
    redis.call("SET", redis.keys.errors(), "intruder");
    assertThatThrownBy(() -> delete(failed(1))).hasMessageContaining("WRONGTYPE");
    assertThat(redis.number("EXISTS", redis.keys.stats())).isZero();
  }

  @Test
  void requeueOneMovesTheNamedEntryAndLeavesTheRest() {
    redis.call("SET", redis.keys.seq(), 20);
    String malformed = "{\"error\":\"malformed\",\"raw\":\"x\",\"node\":\"n\",\"at\":9}";
    redis.pushAll(redis.keys.errors(), List.of(failed(1), failed(2), malformed));

    ErrorRequeuer.One one = requeue(failed(2));
    assertThat(one.requeued()).isTrue();
    assertThat(one.originalId()).isEqualTo(2);
    assertThat(one.newId()).isEqualTo(21);
    assertThat(errors()).containsExactly(malformed, failed(1));
    JsonObject queued = json(redis.string("LINDEX", redis.keys.queue(), 0));
    assertThat(queued.getLong("id")).isEqualTo(21);
    assertThat(queued.getString("body")).isEqualTo("b2");
    assertThat(queued.getJsonObject("headers").getString(ErrorRequeuer.REQUEUED_FROM)).isEqualTo("2");

    ErrorRequeuer.One again = requeue(failed(2));
    assertThat(again.gone()).as("a second click").isTrue();
    ErrorRequeuer.One notFailed = requeue(malformed);
    assertThat(notFailed.requeued()).isFalse();
    assertThat(notFailed.gone()).isFalse();
    assertThat(notFailed.kind()).isEqualTo("malformed");
    assertThat(errors()).containsExactly(malformed, failed(1));
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(1);
    assertThat(redis.string("GET", redis.keys.seq())).isEqualTo("21");
  }

  @Test
  void requestFieldsAreCheckedBeforeAnyCall() {
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.PAUSE, new JsonObject())).isNull();
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.PAUSE, new JsonObject().put("by", "alice"))).isNull();
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.PAUSE, new JsonObject().put("by", "a\nb"))).contains("\"by\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.PAUSE, new JsonObject().put("by", 7))).contains("\"by\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.DELETE, new JsonObject())).contains("\"entry\" is required");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE, new JsonObject().put("entry", ""))).contains("\"entry\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE, new JsonObject().put("entry", 5))).contains("\"entry\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE, new JsonObject().put("entry", failed(1)))).isNull();
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE_ALL, new JsonObject().put("limit", 0))).contains("\"limit\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE_ALL,
        new JsonObject().put("limit", ActionsEndpoint.MAX_REQUEUE_ALL + 1))).contains("\"limit\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE_ALL, new JsonObject().put("limit", 1.5))).contains("\"limit\"");
    assertThat(ActionsEndpoint.refusal(ActionsEndpoint.REQUEUE_ALL, new JsonObject().put("limit", 10))).isNull();
    assertThat(ActionsEndpoint.serves("/api/errors/delete")).isTrue();
    assertThat(ActionsEndpoint.serves("/api/status")).isFalse();
  }
}
