package dev.redfleet.worker;

import static dev.redfleet.testing.Entries.entry;
import static dev.redfleet.testing.Entries.sent;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A claimed entry read from its bytes (lua/lib/entry.lua), as the worker reads it. */
class MessageTest {

  private static Message parse(String raw) {
    return Message.parse(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAWellFormedMessage() {
    assertThat(parse("42:3:0:1:0:0:hi")).isEqualTo(new Message(42, 3, "hi"));
    assertThat(parse(entry(42, 3, "hi"))).isEqualTo(new Message(42, 3, "hi"));
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(parse("garbage")).isNull();
    assertThat(parse("{\"id\":1,\"epoch\":3,\"body\":\"x\"}")).isNull();
    // a header field missing, empty, signed or not a number
    assertThat(parse("1:3:0:1:0:x")).isNull();
    assertThat(parse("1:3::1:0:0:x")).isNull();
    assertThat(parse("1:-3:0:1:0:0:x")).isNull();
    assertThat(parse("1:3:0:1.5:0:0:x")).isNull();
    assertThat(parse("1:3:0:1:0:0")).isNull();
    // id 0 and attempt 0 are no message
    assertThat(parse("0:3:0:1:0:0:x")).isNull();
    assertThat(parse("1:3:0:0:0:0:x")).isNull();
    // a number past 18 digits
    assertThat(parse("1234567890123456789:3:0:1:0:0:x")).isNull();
  }

  @Test
  void theMetaLengthMustFitAndTheMetaMustBeAnObjectOfKeyAndHeaders() {
    assertThat(parse("1:0:0:1:0:40:{}")).isNull();
    assertThat(parse("1:0:0:1:0:3:{}x")).isNull();
    assertThat(parse("1:0:0:1:0:2:[]x")).isNull();
    assertThat(parse(sent(1, 0, 0, "{\"key\":1}", "x"))).isNull();
    assertThat(parse(sent(1, 0, 0, "{\"headers\":{\"h\":1}}", "x"))).isNull();
    assertThat(parse(sent(1, 0, 0, "{\"other\":\"x\"}", "x"))).isNull();
    assertThat(parse(sent(1, 0, 0, "{}", "x"))).isEqualTo(new Message(1, 0, 0, 1, "x"));
    // JSON that is not an object: 'null' decodes to an object without a map in Vert.x
    assertThat(parse(sent(1, 0, 0, "null", "x"))).isNull();
    assertThat(parse(sent(1, 0, 0, "\"s\"", "x"))).isNull();
    assertThat(parse(sent(1, 0, 0, "{\"key\":\"k\"", "}x"))).isNull();
  }

  /** A number the errors list's JSON would copy as it is must be canonical: no leading zero. */
  @Test
  void headerFieldsHaveNoLeadingZero() {
    assertThat(parse("1:3:007:1:0:0:x")).isNull();
    assertThat(parse("1:3:0:01:0:0:x")).isNull();
    assertThat(parse("1:3:0:1:00:0:x")).isNull();
    assertThat(parse("1:3:0:1:0:00:x")).isNull();
    assertThat(parse("01:3:0:1:0:0:x")).isNull();
    assertThat(parse("1:03:0:1:0:0:x")).isNull();
    assertThat(parse("1:0:0:1:0:0:x")).isEqualTo(new Message(1, 0, 0, 1, "x"));
  }

  @Test
  void digitsOtherThanAsciiAreNotNumbers() {
    // Arabic-Indic 3 as the epoch, Arabic-Indic 1 as the id: not the claim's %d
    assertThat(parse("1:\u0663:0:1:0:0:x")).isNull();
    assertThat(parse("\u0661:1:0:1:0:0:x")).isNull();
  }

  @Test
  void theProduceTimeAndTheAttemptAreRead() {
    assertThat(parse(entry(7, 2, 1732380000123L, 1, "abc"))).isEqualTo(new Message(7, 2, 1732380000123L, 1, "abc"));
    assertThat(parse(entry(7, 2, 1732380000123L, 3, "abc"))).isEqualTo(new Message(7, 2, 1732380000123L, 3, "abc"));
  }

  /** The body is the rest of the entry byte for byte: quotes, colons, escapes and control characters included. */
  @Test
  void theBodyIsTheRestAsItIs() {
    assertThat(parse(entry(7, 2, "a\"b\\n:{}\ttab")).body()).isEqualTo("a\"b\\n:{}\ttab");
    assertThat(parse(entry(7, 2, "")).body()).isEmpty();
    assertThat(parse(entry(7, 2, "caf\u00e9 \u65e5\u672c \ud83d\ude00")).body()).isEqualTo("caf\u00e9 \u65e5\u672c \ud83d\ude00");
  }

  /** Each entry and the message read from it (null: none). */
  @Test
  void eachEntryGivesItsMessageOrNone() {
    Map<String, Message> expected = new LinkedHashMap<>();
    expected.put(entry(42, 3, "hi"), new Message(42, 3, "hi"));
    expected.put("7:0:5:1:0:0:", new Message(7, 0, 5, 1, ""));
    // a delayed send: ts is when it is due, sent when it was sent
    expected.put(sent(9, 5, 3, "{\"key\":\"k\",\"headers\":{\"h\":\"v\"}}", "x"),
        new Message(9, 0, 5, 1, "x", "k", Map.of("h", "v"), 3));
    // a send due at once: sent is its ts
    expected.put(sent(9, 5, 0, "{\"headers\":{\"h\":\"v \\u00e9\"}}", "x"),
        new Message(9, 0, 5, 1, "x", null, Map.of("h", "v \u00e9"), 5));
    expected.put("", null);
    for (Map.Entry<String, Message> entry : expected.entrySet()) {
      assertThat(parse(entry.getKey())).as(entry.getKey()).isEqualTo(entry.getValue());
    }
  }
}
