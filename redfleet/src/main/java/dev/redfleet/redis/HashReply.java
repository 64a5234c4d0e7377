package dev.redfleet.redis;

import io.vertx.redis.client.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** The answer of HGETALL as a map, whichever protocol answered (a RESP3 map, a flat RESP2 list). */
public final class HashReply {
  private HashReply() {}

  /** Field -> value, in the order Redis gave them; empty for a missing key (null or empty answer). */
  public static Map<String, String> fields(Response hgetall) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (hgetall == null) {
      return fields;
    }
    if (hgetall.isMap()) {
      for (String field : hgetall.getKeys()) {
        fields.put(field, hgetall.get(field).toString());
      }
    } else {
      for (int i = 0; i + 1 < hgetall.size(); i += 2) {
        fields.put(hgetall.get(i).toString(), hgetall.get(i + 1).toString());
      }
    }
    return fields;
  }
}
