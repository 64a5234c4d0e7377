package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageTest {

  @Test
  void readsAWellFormedMessage() {
    assertThat(Message.parse("42", "{\"id\":42,\"epoch\":3,\"body\":\"hi\"}"))
        .isEqualTo(new Message(42, 3, "hi"));
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(Message.parse("1", "garbage")).isNull();
    assertThat(Message.parse("1", "[1,2]")).isNull();
    assertThat(Message.parse("1", "{\"id\":1,\"epoch\":3}")).isNull();
    assertThat(Message.parse("1", "{\"id\":1,\"epoch\":\"3\",\"body\":\"x\"}")).isNull();
    assertThat(Message.parse("1", "{\"id\":1.5,\"epoch\":3,\"body\":\"x\"}")).isNull();
    assertThat(Message.parse("2", "{\"id\":1,\"epoch\":3,\"body\":\"x\"}")).isNull();
    assertThat(Message.parse("1", "{\"id\":1,\"epoch\":3,\"body\":\"x\"")).isNull();
  }

  @Test
  void theCanonicalIdFollowsTheClaimScriptsPattern() {
    assertThat(Message.canonicalId("{\"id\":42,\"epoch\":3,\"body\":\"hi\"}")).isEqualTo("42");
    assertThat(Message.canonicalId("{\"epoch\":3,\"id\":42}")).isNull();
    assertThat(Message.canonicalId("{\"id\":42}")).isNull();
    assertThat(Message.canonicalId("{\"id\":,")).isNull();
    assertThat(Message.canonicalId("garbage")).isNull();
  }

  @Test
  void theFastPathAndTheJsonParserAgree() {
    String raw = "{\"id\":7,\"epoch\":2,\"body\":\"abc\"}";
    assertThat(Message.parseCanonical("7", raw)).isEqualTo(new Message(7, 2, "abc"));
    // an escaped body is left to the JSON parser, which unescapes it
    assertThat(Message.parseCanonical("7", "{\"id\":7,\"epoch\":2,\"body\":\"a\\\"b\"}")).isNull();
    assertThat(Message.parse("7", "{\"id\":7,\"epoch\":2,\"body\":\"a\\\"b\"}")).isEqualTo(new Message(7, 2, "a\"b"));
  }

  @Test
  void digitsOtherThanAsciiAreNotNumbers() {
    // Arabic-Indic 3 as the epoch: not JSON, so not a message on either path
    assertThat(Message.parse("1", "{\"id\":1,\"epoch\":\u0663,\"body\":\"x\"}")).isNull();
    assertThat(Message.canonicalId("{\"id\":\u0661,\"epoch\":1}")).isNull();
  }

  @Test
  void theProduceTimeAndTheAttemptAreReadOnBothPaths() {
    String first = "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"body\":\"abc\"}";
    String retry = "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"attempt\":3,\"body\":\"abc\"}";
    assertThat(Message.parseCanonical("7", first)).isEqualTo(new Message(7, 2, 1732380000123L, 1, "abc"));
    assertThat(Message.parseCanonical("7", retry)).isEqualTo(new Message(7, 2, 1732380000123L, 3, "abc"));
    // the JSON parser reads the same fields in any order
    assertThat(Message.parse("7", "{\"body\":\"a\\\"b\",\"attempt\":3,\"ts\":5,\"epoch\":2,\"id\":7}"))
        .isEqualTo(new Message(7, 2, 5, 3, "a\"b"));
    // an empty or non-positive attempt, or a negative time, is not a message
    assertThat(Message.parse("7", "{\"id\":7,\"epoch\":2,\"ts\":,\"body\":\"abc\"}")).isNull();
    assertThat(Message.parse("7", "{\"id\":7,\"epoch\":2,\"attempt\":0,\"body\":\"abc\"}")).isNull();
    assertThat(Message.parse("7", "{\"id\":7,\"epoch\":2,\"ts\":-1,\"body\":\"abc\"}")).isNull();
  }

  private static Message fromBytes(String raw) {
    return Message.parse(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The worker reads a claimed entry from its bytes: the same message as from its text, or none on both. */
  @Test
  void theBytesGiveTheSameMessageAsTheText() {
    List<String> entries = List.of(
        "{\"id\":42,\"epoch\":3,\"body\":\"hi\"}",
        "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"body\":\"abc\"}",
        "{\"id\":7,\"epoch\":2,\"ts\":1732380000123,\"attempt\":3,\"body\":\"abc\"}",
        "{\"id\":7,\"epoch\":0,\"ts\":5,\"body\":\"\"}",
        "{\"id\":7,\"epoch\":2,\"body\":\"a\\\"b\"}",
        "{\"id\":7,\"epoch\":2,\"body\":\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"}",
        "{\"id\":9,\"epoch\":0,\"ts\":5,\"sent\":3,\"key\":\"k\",\"headers\":{\"h\":\"v\"},\"body\":\"x\"}",
        "{\"id\":7,\"epoch\":2,\"attempt\":0,\"body\":\"abc\"}",
        "{\"id\":7,\"epoch\":2,\"ts\":-1,\"body\":\"abc\"}",
        "{\"id\":7,\"epoch\":2,\"ts\":,\"body\":\"abc\"}",
        "{\"id\":1,\"epoch\":3}",
        "{\"id\":1,\"epoch\":\"3\",\"body\":\"x\"}",
        "{\"id\":1,\"epoch\":3,\"body\":\"x\"",
        "{\"id\":1,\"epoch\":3,\"body\":\"x\"} ",
        "{\"id\":1,\"epoch\":3,\"body\":\"tab\there\"}",
        "{\"id\":1,\"epoch\":\u0663,\"body\":\"x\"}",
        "{\"id\":,\"epoch\":1,\"body\":\"x\"}",
        "{\"id\":42}",
        "garbage",
        "");
    for (String raw : entries) {
      String id = Message.canonicalId(raw);
      Message fromText = id == null ? null : Message.parse(id, raw);
      assertThat(fromBytes(raw)).as(raw).isEqualTo(fromText);
    }
    // the cases above are not all refusals: the comparison would pass for a parser that read nothing
    assertThat(fromBytes(entries.get(2))).isEqualTo(new Message(7, 2, 1732380000123L, 3, "abc"));
    assertThat(fromBytes(entries.get(5)).body()).isEqualTo("caf\u00e9 \u65e5\u672c \ud83d\ude00");
    assertThat(fromBytes(entries.get(6)).headers()).containsEntry("h", "v");
    assertThat(fromBytes(entries.get(14))).isNull();
  }
}
