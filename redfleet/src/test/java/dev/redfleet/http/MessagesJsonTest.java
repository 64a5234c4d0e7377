package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.api.NewMessage;
import dev.redfleet.redis.Keys;
import dev.redfleet.send.Sender;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request bodies of POST /messages: what they become, and the one-line refusal of each bad one. */
class MessagesJsonTest {
  /** Only {@link Sender#check} is used: it needs no Redis. */
  private final Sender sender = new Sender(null, new Keys("t"), 16, 60_000);

  private List<NewMessage> parse(String json) {
    return MessagesJson.parse(Buffer.buffer(json), sender);
  }

  private void refused(String json, int status, String reason) {
    assertThatThrownBy(() -> parse(json)).as(json).isInstanceOf(MessagesJson.Refused.class)
        .hasMessage(reason).satisfies(e -> assertThat(((MessagesJson.Refused) e).status).isEqualTo(status));
  }

  @Test
  void anObjectIsOneMessageWithEveryFieldAndAnArrayKeepsItsOrder() {
    NewMessage full = parse("{\"body\":\"hi\",\"key\":\"k1\",\"delayMs\":1500,\"headers\":{\"traceparent\":\"00-ab\",\"x-a\":\"1\"}}").get(0);
    assertThat(full.body()).isEqualTo("hi");
    assertThat(full.options().getKey()).isEqualTo("k1");
    assertThat(full.options().getDelay()).isEqualTo(Duration.ofMillis(1500));
    assertThat(full.options().getHeaders()).containsExactly(Map.entry("traceparent", "00-ab"), Map.entry("x-a", "1"));

    NewMessage at = parse("{\"body\":\"\",\"at\":\"2030-01-31T13:00:00+01:00\",\"key\":null}").get(0);
    assertThat(at.options().getAt()).isEqualTo(Instant.parse("2030-01-31T12:00:00Z"));
    assertThat(at.options().getKey()).as("null is absent").isNull();

    assertThat(parse(" [{\"body\":\"a\"},{\"body\":\"b\"},{\"body\":\"c\"}] ")).extracting(NewMessage::body).containsExactly("a", "b", "c");
    assertThat(parse("[]")).isEmpty();
  }

  @Test
  void badJsonAndBadShapesAreRefusedWithOneLine() {
    refused("{\"body\":", 400, "bad JSON: Unexpected end-of-input within/between Object entries");
    refused(" \r\n", 400, "the body is empty: send a JSON object or an array of them");
    refused("{\"body\":\"x\"} {}", 400, "bad JSON: Unexpected trailing token");
    refused("{\"body\":\"x\"}]", 400, "bad JSON: Unexpected close marker ']': no open Array to close");
    refused("{body:1}", 400,
        "bad JSON: Unexpected character ('b' (code 98)): was expecting double-quote to start field name");
    refused("{\"body\":\"\u0001\"}", 400,
        "bad JSON: Illegal unquoted character ((CTRL-CHAR, code 1)): has to be escaped using backslash to be included in string value");
  }

  @Test
  void missingBodyWrongTypesAndUnknownFieldsAreRefused() {
    refused("{}", 400, "body is required");
    refused("{\"body\":null}", 400, "body must be a string, got null");
    refused("{\"body\":{\"a\":1}}", 400, "body must be a string (send JSON as a string), got an object");
    refused("{\"body\":\"x\",\"key\":5}", 400, "key must be a string, got a number");
    refused("{\"body\":\"x\",\"delayMs\":\"5\"}", 400, "delayMs must be a whole number of milliseconds, got a string");
    refused("{\"body\":\"x\",\"delayMs\":1.5}", 400, "delayMs must be a whole number of milliseconds, got a fraction");
    refused("{\"body\":\"x\",\"delayMs\":99999999999999999999}", 400, "delayMs is out of range (0 to 315619200000)");
    refused("{\"body\":\"x\",\"delayMs\":-1}", 400, "delay must be between 0 ms and 10 years");
    refused("{\"body\":\"x\",\"delayMs\":1,\"at\":\"2030-01-01T00:00:00Z\"}", 400, "give delayMs or at, not both");
    refused("{\"body\":\"x\",\"at\":\"tomorrow\"}", 400,
        "at must be an ISO-8601 time with an offset, like 2030-01-31T12:00:00Z, got \"tomorrow\"");
    refused("{\"body\":\"x\",\"headers\":[]}", 400, "headers must be an object of strings, got an array");
    refused("{\"body\":\"x\",\"headers\":{\"a\":true}}", 400, "headers.a must be a string, got a boolean");
    refused("{\"body\":\"x\",\"Body\":\"y\"}", 400, "unknown field \"Body\" (known: body, key, delayMs, at, headers)");
    refused("{\"body\":\"x\",\"a\\nb\":1}", 400, "unknown field \"a\\nb\" (known: body, key, delayMs, at, headers)");
    refused("\"just a string\"", 400, "the body must be a JSON object or an array of objects, got a string");
  }

  @Test
  void inAnArrayTheRefusalNamesTheIndexAndWhatSenderCheckSays() {
    refused("[{\"body\":\"ok\"},{\"body\":\"ok\"},{\"body\":\"x\",\"key\":\"\"}]", 400, "messages[2]: key must be 1 to 1024 characters, got 0");
    refused("[{\"body\":\"ok\"},{\"body\":\"seventeen bytes!!\"}]", 400, "messages[1]: body is 17 bytes, more than maxBodyBytes (16)");
    refused("[{\"body\":\"ok\"},7]", 400, "messages[1]: must be an object, got a number");
    refused("{\"body\":\"x\",\"headers\":{\"bad name\":\"v\"}}", 400,
        "header name must be 1 to 256 characters of A-Z a-z 0-9 !#$%&'*+-.^_`|~");
  }

  @Test
  void moreThanTheMaximumCountIsTooLarge() {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i <= MessagesJson.MAX_MESSAGES; i++) {
      json.append(i == 0 ? "" : ",").append("{\"body\":\"m\"}");
    }
    refused(json.append(']').toString(), 413, "at most 1000 messages per request, got 1001");
    assertThat(parse(json.toString().replaceFirst("\\{\"body\":\"m\"},", ""))).hasSize(MessagesJson.MAX_MESSAGES);
  }
}
