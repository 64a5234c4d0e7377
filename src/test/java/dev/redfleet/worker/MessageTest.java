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
}
