package dev.redfleet.ops;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.List;

/** The {@code status} command's snapshot of the fleet, taken atomically by one script. */
public final class StatusReport {
  private StatusReport() {}

  /**
   * @param staleMs nodes silent longer than this are reported as not alive
   */
  public static Future<JsonObject> take(Scripts scripts, Keys keys, long staleMs) {
    return scripts.run(Script.STATUS,
            List.of(keys.leader(), keys.epoch(), keys.seq(), keys.queue(), keys.nodes(), keys.stats(),
                keys.audit(), keys.errors()),
            List.of(keys.prefix()))
        .map(r -> toJson(r, keys, staleMs));
  }

  static JsonObject toJson(Response r, Keys keys, long staleMs) {
    long now = r.get(0).toLong();
    Response leader = r.get(1);
    JsonObject json = new JsonObject().put("namespace", keys.namespace()).put("redisTime", now);
    if (leader != null) {
      String token = leader.toString();
      int colon = token.lastIndexOf(':');
      json.put("leader", new JsonObject()
          .put("node", token.substring(0, colon))
          .put("epoch", Long.parseLong(token.substring(colon + 1)))
          .put("ttlMs", r.get(2).toLong()));
    } else {
      json.putNull("leader");
    }
    json.put("epoch", r.get(3).toLong()).put("lastId", r.get(4).toLong());
    long queue = r.get(5).toLong();
    json.put("queue", queue).put("errors", r.get(6).toLong());

    JsonArray nodes = new JsonArray();
    long inFlight = 0;
    long live = 0;
    Response perNode = r.get(7);
    for (int i = 0; i + 3 < perNode.size(); i += 4) {
      long silentMs = now - Math.round(perNode.get(i + 1).toDouble());
      long held = perNode.get(i + 2).toLong() + perNode.get(i + 3).toLong();
      boolean alive = silentMs <= staleMs;
      live += alive ? 1 : 0;
      inFlight += held;
      nodes.add(new JsonObject().put("node", perNode.get(i).toString()).put("alive", alive)
          .put("silentMs", silentMs).put("inFlight", held));
    }
    json.put("liveNodes", live).put("nodes", nodes).put("inFlight", inFlight);

    JsonObject stats = new JsonObject();
    for (String field : List.of("produced", "processed", "failed", "malformed", "requeued", "stale_dropped", "duplicates")) {
      stats.put(field, 0L);
    }
    Response hash = r.get(8);
    for (int i = 0; i + 1 < hash.size(); i += 2) {
      stats.put(hash.get(i).toString(), hash.get(i + 1).toLong());
    }
    json.put("stats", stats);
    long audited = r.get(9).toLong();
    long produced = stats.getLong("produced");
    json.put("audit", new JsonObject()
        .put("audited", audited)
        .put("duplicates", stats.getLong("duplicates"))
        // only meaningful once nothing is queued or in flight
        .put("unaccounted", produced - audited - queue - inFlight));
    return json;
  }

  public static String human(JsonObject s) {
    StringBuilder b = new StringBuilder();
    b.append("redfleet '").append(s.getString("namespace")).append("' at ")
        .append(Instant.ofEpochMilli(s.getLong("redisTime"))).append(" (Redis time)\n");
    JsonObject leader = s.getJsonObject("leader");
    b.append("  generator   ").append(leader == null ? "none"
        : leader.getString("node") + " (epoch " + leader.getLong("epoch") + ", lease " + leader.getLong("ttlMs") + " ms left)")
        .append('\n');
    b.append("  nodes       ").append(s.getLong("liveNodes")).append(" alive of ").append(s.getJsonArray("nodes").size())
        .append(" known\n");
    for (Object o : s.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      b.append("    ").append(n.getString("node")).append("  ").append(n.getBoolean("alive") ? "alive" : "SILENT")
          .append(", seen ").append(n.getLong("silentMs")).append(" ms ago, ").append(n.getLong("inFlight"))
          .append(" in flight\n");
    }
    b.append("  queue       ").append(s.getLong("queue")).append('\n');
    b.append("  in flight   ").append(s.getLong("inFlight")).append('\n');
    b.append("  errors      ").append(s.getLong("errors")).append(" waiting for getErrors\n");
    b.append("  last id     ").append(s.getLong("lastId")).append(" (epoch ").append(s.getLong("epoch")).append(")\n");
    JsonObject st = s.getJsonObject("stats");
    b.append("  counters    ");
    st.fieldNames().stream().sorted().forEach(f -> b.append(f).append('=').append(st.getValue(f)).append(' '));
    b.append('\n');
    JsonObject a = s.getJsonObject("audit");
    b.append("  audit       audited=").append(a.getLong("audited")).append(" duplicates=").append(a.getLong("duplicates"))
        .append(" unaccounted=").append(a.getLong("unaccounted")).append(" (0 once the fleet is drained)\n");
    return b.toString();
  }
}
