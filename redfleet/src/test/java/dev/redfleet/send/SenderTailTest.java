package dev.redfleet.send;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.worker.Message;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tail made by {@link Sender#tail}, behind the header fields the scripts write and encoded as the
 * Redis client encodes it (Java's UTF-8), reads back as the message that was sent.
 */
class SenderTailTest {

  private static Message roundTrip(String body, String key, Map<String, String> headers) {
    String entry = "7:0:5:1:0:" + Sender.tail(body, key, headers);
    return Message.parse(entry.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aBodyAloneHasNoMeta() {
    assertThat(Sender.tail("a:b\"c", null, Map.of())).isEqualTo("0:a:b\"c");
    assertThat(roundTrip("a:b\"c", null, Map.of()).body()).isEqualTo("a:b\"c");
  }

  @Test
  void keyAndHeadersOfAnyTextReadBack() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("tr\u00e9ce", "\ud83d\ude00 \"q\" \n");
    headers.put("b", "");
    Message m = roundTrip("  body after spaces", "k\u65e5", headers);
    assertThat(m.key()).isEqualTo("k\u65e5");
    assertThat(m.headers()).containsExactlyEntriesOf(headers);
    assertThat(m.body()).isEqualTo("  body after spaces");
  }

  /** An unpaired surrogate goes out as '?' (one byte): the meta's length must count it so. */
  @Test
  void anUnpairedSurrogateKeepsTheMetaLengthTrue() {
    Message m = roundTrip("  body", "k\ud800", Map.of("h", "v\udc00"));
    assertThat(m).isNotNull();
    assertThat(m.key()).isEqualTo("k?");
    assertThat(m.headers()).containsEntry("h", "v?");
    assertThat(m.body()).isEqualTo("  body");
  }
}
