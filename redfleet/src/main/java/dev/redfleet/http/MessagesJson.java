package dev.redfleet.http;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.send.Sender;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of POST /messages: one message object, or an array of at most {@link #MAX_MESSAGES}
 * of them, each {@code {"body": "...", "key": "...", "delayMs": N, "at": "ISO-8601", "headers":
 * {"name": "value"}}} with only {@code body} required (a JSON null counts as absent for the
 * others). Everything is checked before anything is sent: a refusal names the field and, in an
 * array, the index ({@code messages[3]: ...}, counted from 0).
 */
final class MessagesJson {
  /** Messages one request may carry. */
  static final int MAX_MESSAGES = 1000;
  static final Set<String> FIELDS = Set.of("body", "key", "delayMs", "at", "headers");
  private static final String KNOWN = "body, key, delayMs, at, headers";
  /** The longest piece of the request quoted back in an error. */
  private static final int QUOTE_CHARS = 60;

  private MessagesJson() {}

  /** A request refused with its status (400 or 413) and a one-line reason. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }
  }

  /** The messages of {@code body}, each passed by {@link Sender#check}; else {@link Refused}. */
  static List<NewMessage> parse(Buffer body, Sender sender) {
    if (blank(body)) {
      throw new Refused(400, "the body is empty: send a JSON object or an array of them");
    }
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new Refused(400, "bad JSON: " + jacksonReason(e));
    }
    if (json instanceof JsonObject object) {
      return List.of(message(object, "", sender));
    }
    if (json instanceof JsonArray array) {
      if (array.size() > MAX_MESSAGES) {
        throw new Refused(413, "at most " + MAX_MESSAGES + " messages per request, got " + array.size());
      }
      List<NewMessage> messages = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        String where = "messages[" + i + "]: ";
        if (!(array.getValue(i) instanceof JsonObject object)) {
          throw new Refused(400, where + "must be an object, got " + typeOf(array.getValue(i)));
        }
        messages.add(message(object, where, sender));
      }
      return messages;
    }
    throw new Refused(400, "the body must be a JSON object or an array of objects, got " + typeOf(json));
  }

  private static NewMessage message(JsonObject json, String where, Sender sender) {
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new Refused(400, where + "unknown field " + Json.encode(shorten(field)) + " (known: " + KNOWN + ")");
      }
    }
    Object body = json.getValue("body");
    if (body == null) {
      throw new Refused(400, where + (json.containsKey("body") ? "body must be a string, got null" : "body is required"));
    }
    if (!(body instanceof String text)) {
      throw new Refused(400, where + "body must be a string (send JSON as a string), got " + typeOf(body));
    }
    SendOptions options = new SendOptions();
    Object key = json.getValue("key");
    if (key != null) {
      options.setKey(string(key, where, "key"));
    }
    Object delayMs = json.getValue("delayMs");
    Object at = json.getValue("at");
    if (delayMs != null && at != null) {
      throw new Refused(400, where + "give delayMs or at, not both");
    }
    if (delayMs != null) {
      options.setDelay(Duration.ofMillis(millis(delayMs, where)));
    }
    if (at != null) {
      try {
        options.setAt(OffsetDateTime.parse(string(at, where, "at")).toInstant());
      } catch (DateTimeParseException e) {
        throw new Refused(400, where + "at must be an ISO-8601 time with an offset, like 2030-01-31T12:00:00Z, got "
            + Json.encode(shorten((String) at)));
      }
    }
    Object headers = json.getValue("headers");
    if (headers != null) {
      if (!(headers instanceof JsonObject map)) {
        throw new Refused(400, where + "headers must be an object of strings, got " + typeOf(headers));
      }
      for (Map.Entry<String, Object> header : map) {
        options.addHeader(header.getKey(), string(header.getValue(), where, "headers." + shorten(header.getKey())));
      }
    }
    NewMessage message = new NewMessage(text, options);
    String refused = sender.check(message);
    if (refused != null) {
      throw new Refused(400, where + refused);
    }
    return message;
  }

  private static String string(Object value, String where, String field) {
    if (!(value instanceof String text)) {
      throw new Refused(400, where + field + " must be a string, got " + typeOf(value));
    }
    return text;
  }

  private static long millis(Object value, String where) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger) {
      throw new Refused(400, where + "delayMs is out of range (0 to " + Sender.MAX_DELAY.toMillis() + ")");
    }
    throw new Refused(400, where + "delayMs must be a whole number of milliseconds, got "
        + (value instanceof Number ? "a fraction" : typeOf(value)));
  }

  static String typeOf(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    return value instanceof JsonArray ? "an array" : value.getClass().getSimpleName();
  }

  private static boolean blank(Buffer body) {
    for (int i = 0; i < body.length(); i++) {
      byte b = body.getByte(i);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  /** Jackson's reason without the lines and source excerpt it appends. */
  private static String jacksonReason(DecodeException e) {
    String message = String.valueOf(e.getMessage());
    if (message.startsWith("Failed to decode:")) {
      message = message.substring("Failed to decode:".length()).strip();
    }
    int source = message.indexOf(" at [Source:");
    if (source >= 0) {
      message = message.substring(0, source);
    }
    String reason = message.lines().findFirst().orElse("unreadable").strip();
    return reason.length() <= 3 * QUOTE_CHARS ? reason : reason.substring(0, 3 * QUOTE_CHARS) + "...";
  }

  private static String shorten(String text) {
    return text.length() <= QUOTE_CHARS ? text : text.substring(0, QUOTE_CHARS) + "...";
  }
}
