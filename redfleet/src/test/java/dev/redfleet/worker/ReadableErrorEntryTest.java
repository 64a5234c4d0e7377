package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static dev.redfleet.testing.Entries.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The errors list stays readable JSON whatever the queue's layout (lua/lib/entry.lua): a failed
 * message's entry is the message as JSON, field by field, plus why, where and when; one whose meta
 * would not splice into JSON keeps its entry byte for byte as {@code raw}.
 */
class ReadableErrorEntryTest extends RedisTestBase {
  private static final String NODE = "w1";

  private Keys k() {
    return redis.keys;
  }

  @BeforeEach
  void generatorState() {
    redis.call("SET", k().seq(), 100);
    redis.call("SET", k().epoch(), 2);
  }

  /** Claims the one entry, fails it with {@code reason} (attempts 1: final) and returns the errors entry's text. */
  private String failed(String entry, String reason) {
    redis.call("LPUSH", k().queue(), entry);
    Response claimed = redis.run(Script.CLAIM, k().claim(NODE), List.of(NODE, 1, 0, "t1"));
    assertThat(claimed.get(0).size()).isEqualTo(1);
    String id = TestRedis.heldId(claimed.get(0).get(0).toString());
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7));
    args.addAll(redis.outcome(NODE, id, "t1", reason));
    assertThat(redis.run(Script.FINISH, k().finish(NODE), args).get(0).toLong()).isEqualTo(1);
    Response errors = redis.call("LRANGE", k().errors(), 0, -1);
    assertThat(errors.size()).isEqualTo(1);
    return errors.get(0).toString();
  }

  private static String withoutAt(String errorEntry) {
    return errorEntry.replaceAll(",\"at\":\\d+}$", "}");
  }

  @Test
  void aGeneratorsMessageIsItsFieldsAndItsBodyAsAJsonString() {
    String body = "say \"hi\"\nto caf\u00e9 \ud83d\ude00 at a/b\\c:{}";
    String text = failed(entry(7, 2, 1732380000123L, 1, body), "boom");
    assertThat(withoutAt(text)).startsWith("{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"body\":");
    JsonObject json = new JsonObject(text);
    assertThat(json.fieldNames()).containsExactly("id", "epoch", "ts", "body", "error", "node", "at");
    assertThat(json.getString("body")).isEqualTo(body);
    assertThat(json.getString("error")).isEqualTo("boom");
    assertThat(json.getString("node")).isEqualTo(NODE);
  }

  @Test
  void aSentMessageCarriesItsAttemptSendTimeKeyAndHeadersInOrder() {
    String meta = "{\"key\":\"order-42\",\"headers\":{\"trace\":\"t-1\",\"x\":\"\u00e9\"}}";
    String entry = sent(8, 1732380005000L, 1732380000000L, meta, "payload").replace(":0:1732380005000:1:", ":0:1732380005000:3:");
    assertThat(withoutAt(failed(entry, "no"))).isEqualTo("{\"id\":8,\"epoch\":0,\"ts\":1732380005000,\"attempt\":3,"
        + "\"sent\":1732380000000,\"key\":\"order-42\",\"headers\":{\"trace\":\"t-1\",\"x\":\"\u00e9\"},\"body\":\"payload\","
        + "\"error\":\"no\",\"attempts\":3,\"node\":\"w1\"}");
  }

  @Test
  void anEmptyMetaAddsNothing() {
    assertThat(withoutAt(failed(sent(9, 5, 0, "{}", "x"), "no")))
        .isEqualTo("{\"id\":9,\"epoch\":0,\"ts\":5,\"body\":\"x\",\"error\":\"no\",\"node\":\"w1\"}");
  }

  /** A forged meta that is an object to a JSON parser but would splice a bare comma: the raw form. */
  @Test
  void aMetaThatWouldNotSpliceKeepsTheEntryAsRaw() {
    String forged = sent(10, 5, 0, "{ }", "x");
    JsonObject json = new JsonObject(failed(forged, "no"));
    assertThat(json.getString("raw")).isEqualTo(forged);
    assertThat(json.getString("error")).isEqualTo("no");
  }

  /** A meta with a comment: the worker's JSON parser takes it, strict JSON readers would not. */
  @Test
  void aMetaWithACommentKeepsTheEntryAsRaw() {
    String forged = sent(11, 5, 0, "{\"key\":\"k\"/*x*/}", "x");
    assertThat(Message.parse(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isNotNull();
    JsonObject json = new JsonObject(failed(forged, "no"));
    assertThat(json.getString("raw")).isEqualTo(forged);
  }
}
