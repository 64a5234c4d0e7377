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
