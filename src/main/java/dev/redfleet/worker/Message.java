package dev.redfleet.worker;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** A message as produced by the generator: {@code {"id":42,"epoch":3,"body":"..."}}. */
public record Message(long id, long epoch, String body) {

  /**
   * Reads a claimed queue entry, or returns {@code null} when it is not a valid message (bad JSON,
   * wrong shape, or an id other than the one it was claimed under).
   */
  public static Message parse(String claimedId, String raw) {
    Message canonical = parseCanonical(claimedId, raw);
    return canonical != null ? canonical : parseJson(claimedId, raw);
  }

  private static final String ID = "{\"id\":";
  private static final String EPOCH = ",\"epoch\":";
  private static final String BODY = ",\"body\":\"";

  /**
   * The generator's exact layout, {"id":N,"epoch":E,"body":"text without escapes"}, read without a
   * JSON parser: this runs once per message. Anything else returns null and goes to the parser.
   */
  static Message parseCanonical(String claimedId, String raw) {
    if (!raw.startsWith(ID) || !raw.startsWith(claimedId, ID.length())) {
      return null;
    }
    int epochAt = ID.length() + claimedId.length();
    if (!raw.startsWith(EPOCH, epochAt)) {
      return null;
    }
    int digits = epochAt + EPOCH.length();
    int end = digits;
    while (end < raw.length() && end - digits < 18 && Character.isDigit(raw.charAt(end))) {
      end++;
    }
    if (end == digits || !raw.startsWith(BODY, end) || !raw.endsWith("\"}") || raw.length() < end + BODY.length() + 2) {
      return null;
    }
    int bodyStart = end + BODY.length();
    int bodyEnd = raw.length() - 2;
    for (int i = bodyStart; i < bodyEnd; i++) {
      char c = raw.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        return null;
      }
    }
    long id = parsePositive(claimedId);
    if (id <= 0) {
      return null;
    }
    return new Message(id, Long.parseLong(raw, digits, end, 10), raw.substring(bodyStart, bodyEnd));
  }

  /**
   * The id a claimed entry is held under when it starts with {@code {"id":<digits>,}: the same
   * rule as the claim script's pattern, so both sides agree. Null otherwise.
   */
  public static String canonicalId(String raw) {
    int start = ID.length();
    if (!raw.startsWith(ID)) {
      return null;
    }
    int end = start;
    while (end < raw.length() && raw.charAt(end) >= '0' && raw.charAt(end) <= '9') {
      end++;
    }
    return end > start && end < raw.length() && raw.charAt(end) == ',' ? raw.substring(start, end) : null;
  }

  private static long parsePositive(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static Message parseJson(String claimedId, String raw) {
    JsonObject json;
    try {
      json = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
    if (!(json.getValue("id") instanceof Number id) || !(json.getValue("epoch") instanceof Number epoch)
        || !(json.getValue("body") instanceof String body)) {
      return null;
    }
    if (id.doubleValue() != Math.rint(id.doubleValue()) || epoch.doubleValue() != Math.rint(epoch.doubleValue())
        || !Long.toString(id.longValue()).equals(claimedId)) {
      return null;
    }
    return new Message(id.longValue(), epoch.longValue(), body);
  }
}
