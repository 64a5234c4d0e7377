package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A claimed entry read from its bytes, as the worker reads it. */
class MessageTest {

  private static Message parse(String raw) {
    return Message.parse(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static Message canonical(String raw) {
    return Message.parseCanonical(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAWellFormedMessage() {
    assertThat(parse("{\"id\":42,\"epoch\":3,\"body\":\"hi\"}")).isEqualTo(new Message(42, 3, "hi"));
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(parse("garbage")).isNull();
    assertThat(parse("[1,2]")).isNull();
    assertThat(parse("{\"id\":1,\"epoch\":3}")).isNull();
    assertThat(parse("{\"id\":1,\"epoch\":\"3\",\"body\":\"x\"}")).isNull();
    assertThat(parse("{\"id\":1.5,\"epoch\":3,\"body\":\"x\"}")).isNull();
    assertThat(parse("{\"id\":1,\"epoch\":3,\"body\":\"x\"")).isNull();
  }

  /**
   * The id is the one the claim script holds the entry under, the digits of its {@code {"id":N,}
   * prefix: an entry without that prefix is not a message, and one whose JSON says another id
   * neither.
   */
  @Test
  void theIdIsTheOneTheClaimScriptHoldsTheEntryUnder() {
    assertThat(parse("{\"epoch\":3,\"id\":42,\"body\":\"hi\"}")).isNull();
    assertThat(parse("{\"id\":42}")).isNull();
    assertThat(parse("{\"id\":,\"epoch\":3,\"body\":\"hi\"}")).isNull();
    // JSON keeps the last of two ids: not the one the entry is held under
    assertThat(parse("{\"id\":1,\"epoch\":3,\"body\":\"x\",\"id\":2}")).isNull();
    assertThat(parse("{\"id\":1,\"epoch\":3,\"body\":\"x\",\"id\":1}")).isEqualTo(new Message(1, 3, "x"));
  }

  @Test
  void theFastPathAndTheJsonParserAgree() {
    String raw = "{\"id\":7,\"epoch\":2,\"body\":\"abc\"}";
    assertThat(canonical(raw)).isEqualTo(new Message(7, 2, "abc"));
    // an escaped body is left to the JSON parser, which unescapes it
    assertThat(canonical("{\"id\":7,\"epoch\":2,\"body\":\"a\\\"b\"}")).isNull();
    assertThat(parse("{\"id\":7,\"epoch\":2,\"body\":\"a\\\"b\"}")).isEqualTo(new Message(7, 2, "a\"b"));
  }

  @Test
  void digitsOtherThanAsciiAreNotNumbers() {
    // Arabic-Indic 3 as the epoch, Arabic-Indic 1 as the id: not JSON, and not the claim's %d
    assertThat(parse("{\"id\":1,\"epoch\":\u0663,\"body\":\"x\"}")).isNull();
    assertThat(parse("{\"id\":\u0661,\"epoch\":1,\"body\":\"x\"}")).isNull();
  }

  @Test
  void theProduceTimeAndTheAttemptAreReadOnBothPaths() {
    String first = "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"body\":\"abc\"}";
    String retry = "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"attempt\":3,\"body\":\"abc\"}";
    assertThat(canonical(first)).isEqualTo(new Message(7, 2, 1732380000123L, 1, "abc"));
    assertThat(canonical(retry)).isEqualTo(new Message(7, 2, 1732380000123L, 3, "abc"));
    // the JSON parser reads the same fields in any order after the id
    assertThat(parse("{\"id\":7,\"body\":\"a\\\"b\",\"attempt\":3,\"ts\":5,\"epoch\":2}"))
        .isEqualTo(new Message(7, 2, 5, 3, "a\"b"));
    // an empty or non-positive attempt, or a negative time, is not a message
    assertThat(parse("{\"id\":7,\"epoch\":2,\"ts\":,\"body\":\"abc\"}")).isNull();
    assertThat(parse("{\"id\":7,\"epoch\":2,\"attempt\":0,\"body\":\"abc\"}")).isNull();
    assertThat(parse("{\"id\":7,\"epoch\":2,\"ts\":-1,\"body\":\"abc\"}")).isNull();
  }

  /** Each entry and the message read from it (null: none); canonical and JSON-path entries alike. */
  @Test
  void eachEntryGivesItsMessageOrNone() {
    Map<String, Message> expected = new LinkedHashMap<>();
    expected.put("{\"id\":42,\"epoch\":3,\"body\":\"hi\"}", new Message(42, 3, "hi"));
    expected.put("{\"id\":7,\"epoch\":0,\"ts\":5,\"body\":\"\"}", new Message(7, 0, 5, 1, ""));
    expected.put("{\"id\":7,\"epoch\":2,\"body\":\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"}",
        new Message(7, 2, "caf\u00e9 \u65e5\u672c \ud83d\ude00"));
    expected.put("{\"id\":9,\"epoch\":0,\"ts\":5,\"sent\":3,\"key\":\"k\",\"headers\":{\"h\":\"v\"},\"body\":\"x\"}",
        new Message(9, 0, 5, 1, "x", "k", Map.of("h", "v"), 3));
    // trailing white space: not the generator's layout, but JSON
    expected.put("{\"id\":1,\"epoch\":3,\"body\":\"x\"} ", new Message(1, 3, "x"));
    // a raw tab in a JSON string is not JSON
    expected.put("{\"id\":1,\"epoch\":3,\"body\":\"tab\there\"}", null);
    expected.put("", null);
    for (Map.Entry<String, Message> entry : expected.entrySet()) {
      assertThat(parse(entry.getKey())).as(entry.getKey()).isEqualTo(entry.getValue());
    }
  }
}
