package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

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
}
