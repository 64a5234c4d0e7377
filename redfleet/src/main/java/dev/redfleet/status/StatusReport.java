package dev.redfleet.status;

import dev.redfleet.config.Visible;
import dev.redfleet.liveness.ClientLiveness;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.StatusStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/** The {@code status} command's snapshot of the fleet, taken atomically by one script. */
public final class StatusReport {
  private StatusReport() {}

  /**
   * @param staleMs nodes silent longer than this are reported as not alive
   */
  public static Future<JsonObject> take(Scripts scripts, Keys keys, long staleMs) {
    return take(scripts, Shards.one(keys), staleMs);
  }

  /** As above, for a namespace of {@code shards}: the sums, and with more than one a line per shard ({@code "shards"}). */
  public static Future<JsonObject> take(Scripts scripts, Shards shards, long staleMs) {
    return take(scripts, shards, new FleetStore(scripts, shards), staleMs);
  }

  private static Future<JsonObject> take(Scripts scripts, Shards shards, FleetStore store, long staleMs) {
    String namespace = shards.fleet().namespace();
    Future<JsonObject> taken;
    if (shards.count() == 1) {
      taken = store.status().snapshot().map(snapshot -> toJson(snapshot, namespace, staleMs));
    } else {
      // the namespace's own call (lease, epoch, members, pause, dataset), then each shard's, one slot each
      Future<StatusStore.Snapshot> fleet = store.status().snapshot();
      List<Future<StatusStore.Snapshot>> parts = new java.util.ArrayList<>();
      for (Keys shard : shards.all()) {
        parts.add(new FleetStore(scripts, shard).status().snapshot());
      }
      List<Future<StatusStore.Snapshot>> all = new java.util.ArrayList<>(parts);
      all.add(fleet);
      taken = Future.all(all).map(done -> {
        List<StatusStore.Snapshot> each = new java.util.ArrayList<>();
        parts.forEach(part -> each.add(part.result()));
        JsonObject json = toJson(StatusStore.combined(fleet.result(), each), namespace, staleMs);
        JsonArray lines = new JsonArray();
        for (int s = 0; s < each.size(); s++) {
          StatusStore.Snapshot shard = each.get(s);
          long inFlight = shard.members().stream().mapToLong(StatusStore.Member::held).sum();
          String produced = shard.counters().getOrDefault("produced", "0");
          lines.add(new JsonObject().put("shard", s).put("tag", shards.shard(s).dataPrefix())
              .put("lastId", shard.lastId()).put("queue", shard.queue()).put("inFlight", inFlight)
              .put("delayed", shard.delayed()).put("errors", shard.errors()).put("audited", shard.audited())
              .put("produced", produced));
        }
        return json.put("shards", lines);
      });
    }
    return taken
        // read right after the snapshot (a node's handler does not change while it runs); a
        // handlers key that cannot be read leaves the rest of the status as it is
        .compose(status -> store.nodes().handlers()
            .map(handlers -> putHandlers(status, handlers))
            .recover(e -> Future.succeededFuture(status)));
  }

  /**
   * Per node {@code "handler"} (absent for a node that has not recorded one: an older release),
   * and {@code "handlers"}: the distinct handlers of the live nodes, sorted; more than one means
   * live nodes of this namespace run different handlers (every message goes to whichever claims it).
   */
  static JsonObject putHandlers(JsonObject status, java.util.Map<String, String> handlers) {
    java.util.SortedSet<String> live = new java.util.TreeSet<>();
    for (Object o : status.getJsonArray("nodes")) {
      JsonObject node = (JsonObject) o;
      String handler = handlers.get(node.getString("node"));
      if (handler != null) {
        node.put("handler", handler);
        if (node.getBoolean("alive")) {
          live.add(handler);
        }
      }
    }
    return status.put("handlers", new JsonArray(List.copyOf(live)));
  }

  // liveness
  /**
   * As {@link #take(Scripts, Keys, long)}, plus per node {@code "connection"}: {@code "alive"} (its
   * anchor connection exists in CLIENT LIST), {@code "gone"} (registered, but the connection no
   * longer exists: the process is dead or cut off), {@code "none"} (no connection registered: an
   * older version, or a node that left) or {@code "unknown"} (this user may not run CLIENT LIST).
   * Not atomic with the snapshot: it is read right after it.
   */
  public static Future<JsonObject> take(Scripts scripts, Keys keys, long staleMs, ClientLiveness liveness) {
    return take(scripts, Shards.one(keys), staleMs, liveness);
  }

  /** As above, for a namespace of {@code shards}. */
  public static Future<JsonObject> take(Scripts scripts, Shards shards, long staleMs, ClientLiveness liveness) {
    FleetStore store = new FleetStore(scripts, shards);
    return take(scripts, shards, store, staleMs).compose(status -> store.lease().anchors()
        .compose(anchors -> liveness.alive(anchors.values()).map(alive -> {
          for (Object o : status.getJsonArray("nodes")) {
            JsonObject node = (JsonObject) o;
            String anchor = anchors.get(node.getString("node"));
            node.put("connection", anchor == null ? "none" : alive == null ? "unknown"
                : alive.contains(anchor) ? "alive" : "gone");
          }
          return status;
        })));
  }

  static JsonObject toJson(StatusStore.Snapshot r, String namespace, long staleMs) {
    long now = r.redisTimeMs();
    JsonObject json = new JsonObject().put("namespace", namespace).put("redisTime", now);
    if (r.leader() != null) {
      String token = r.leader();
      int colon = token.lastIndexOf(':');
      long ttl = r.leaderTtlMs();
      if (colon > 0 && ttl >= 0 && token.substring(colon + 1).matches("[0-9]{1,18}")) {
        json.put("leader", new JsonObject()
            .put("node", token.substring(0, colon))
            .put("epoch", Long.parseLong(token.substring(colon + 1)))
            .put("ttlMs", ttl));
      } else {
        // not a lease any node took: the next acquire replaces it (and logs it)
        json.put("leader", new JsonObject().put("garbage", token.length() > 80 ? token.substring(0, 80) + "..." : token)
            .put("ttlMs", ttl));
      }
    } else {
      json.putNull("leader");
    }
    json.put("epoch", r.epoch()).put("lastId", r.lastId());
    long queue = r.queue();
    json.put("queue", queue).put("errors", r.errors());

    JsonArray nodes = new JsonArray();
    long inFlight = 0;
    long live = 0;
    for (StatusStore.Member member : r.members()) {
      long silentMs = now - member.lastSeenMs();
      boolean alive = silentMs <= staleMs;
      live += alive ? 1 : 0;
      inFlight += member.held();
      nodes.add(new JsonObject().put("node", member.node()).put("alive", alive)
          .put("silentMs", silentMs).put("inFlight", member.held()));
    }
    json.put("liveNodes", live).put("nodes", nodes).put("inFlight", inFlight);

    JsonObject stats = new JsonObject();
    for (String field : List.of("produced", "processed", "failed", "malformed", "requeued", "stale_dropped", "duplicates",
        "retried")) {
      stats.put(field, 0L);
    }
    r.counters().forEach((field, value) ->
        // a counter that is not a number (written by someone else) is shown as it is
        stats.put(field, value.matches("-?[0-9]{1,18}") ? (Object) Long.parseLong(value) : value));
    json.put("stats", stats);
    long audited = r.audited();
    long delayed = r.delayed();
    json.put("delayed", delayed);
    putPaused(json, r.paused());
    putDataset(json, r.dataset());
    long produced = stats.getValue("produced") instanceof Long p ? p : 0;
    json.put("audit", new JsonObject()
        .put("audited", audited)
        .put("duplicates", stats.getValue("duplicates"))
        // only meaningful once nothing is queued, in flight or waiting for a retry
        .put("unaccounted", produced - audited - queue - inFlight - delayed));
    return json;
  }

  /**
   * {@code "dataset"}: the dataset's marker (absent until a node has checked it), and
   * {@code "redisChange"} when a node noticed one: {@code kind} ("lost": the dataset was gone;
   * "server": another master), {@code at} (Redis time, ms), {@code by} (node), {@code seqFound} and
   * {@code epochFound} (what Redis had then), {@code seqRaisedTo} and {@code epochRaisedTo} (what
   * the fleet's floors raised them to: ids and epochs up to these had been handed out).
   */
  private static void putDataset(JsonObject json, java.util.Map<String, String> d) {
    if (d.containsKey("id")) {
      json.put("dataset", d.get("id"));
    }
    if (d.containsKey("change")) {
      json.put("redisChange", new JsonObject()
          .put("kind", d.get("change"))
          .put("at", number(d.get("change_at")))
          .put("by", d.get("change_by"))
          .put("seqFound", number(d.get("change_seq")))
          .put("epochFound", number(d.get("change_epoch")))
          .put("seqRaisedTo", number(d.get("raised_seq")))
          .put("epochRaisedTo", number(d.get("raised_epoch"))));
    }
  }

  private static Long number(String text) {
    try {
      return text == null ? null : Long.parseLong(text);
    } catch (NumberFormatException notANumber) {
      return null;
    }
  }

  /**
   * {@code "paused": true|false}, and while paused {@code "pausedBy"} and {@code "pausedAt"} (Redis
   * time, ms) from the key's {@code {"by":...,"at":...}}; a value in another shape (written by hand)
   * still means paused, by "unknown".
   */
  private static void putPaused(JsonObject json, String paused) {
    json.put("paused", paused != null);
    if (paused == null) {
      return;
    }
    String by = "unknown";
    Long at = null;
    try {
      JsonObject value = new JsonObject(paused);
      if (value.getValue("by") instanceof String who) {
        by = who;
      }
      if (value.getValue("at") instanceof Number when) {
        at = when.longValue();
      }
    } catch (RuntimeException notOurs) {
      // set by hand (SET paused 1): paused all the same
    }
    json.put("pausedBy", by).put("pausedAt", at);
  }

  /**
   * The status for people. Every value read from Redis (node ids, the leader value, who paused,
   * counter names and values) is printed with its control characters escaped ({@link Visible}).
   */
  public static String human(JsonObject s) {
    StringBuilder b = new StringBuilder();
    b.append("redfleet '").append(v(s.getString("namespace"))).append("' at ")
        .append(Instant.ofEpochMilli(s.getLong("redisTime"))).append(" (Redis time)\n");
    JsonObject leader = s.getJsonObject("leader");
    b.append("  generator   ").append(leader == null ? "none"
        : leader.containsKey("garbage") ? "none: the leader key holds '" + v(leader.getString("garbage")) + "' (ttl "
            + leader.getLong("ttlMs") + "), not a lease; the next node to try replaces it"
        : v(leader.getString("node")) + " (epoch " + leader.getLong("epoch") + ", lease " + leader.getLong("ttlMs") + " ms left)")
        .append('\n');
    if (s.getBoolean("paused", false)) {
      Long at = s.getLong("pausedAt");
      b.append("  PAUSED      since ").append(at == null ? "(unknown)" : Instant.ofEpochMilli(at).toString())
          .append(" by ").append(v(s.getString("pausedBy"))).append(": workers take nothing new, the generator waits;"
          + " 'redfleet resume' ends it\n");
    }
    b.append("  nodes       ").append(s.getLong("liveNodes")).append(" alive of ").append(s.getJsonArray("nodes").size())
        .append(" known\n");
    for (Object o : s.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      b.append("    ").append(v(n.getString("node"))).append("  ").append(n.getBoolean("alive") ? "alive" : "SILENT")
          .append(", seen ").append(n.getLong("silentMs")).append(" ms ago, ").append(n.getLong("inFlight"))
          .append(" in flight")
          .append(n.containsKey("connection") ? ", connection " + v(n.getString("connection")) : "")
          .append(n.containsKey("handler") ? ", handler " + v(n.getString("handler")) : "").append('\n');
    }
    JsonArray handlers = s.getJsonArray("handlers", new JsonArray());
    if (handlers.size() > 1) {
      b.append("  WARNING     live nodes run different handlers (");
      for (int i = 0; i < handlers.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(v(handlers.getString(i)));
      }
      b.append("): every message goes to whichever node claims it first; run one handler per namespace\n");
    }
    b.append("  queue       ").append(s.getLong("queue")).append('\n');
    b.append("  in flight   ").append(s.getLong("inFlight")).append('\n');
    b.append("  errors      ").append(s.getLong("errors")).append(" waiting for getErrors\n");
    b.append("  delayed     ").append(s.getLong("delayed", 0L)).append(" retries waiting for their due time\n");
    JsonArray shardLines = s.getJsonArray("shards");
    if (shardLines == null) {
      b.append("  last id     ").append(s.getLong("lastId")).append(" (epoch ").append(s.getLong("epoch")).append(")\n");
    } else {
      b.append("  ids         ").append(s.getLong("lastId")).append(" handed out in ").append(shardLines.size())
          .append(" shards (epoch ").append(s.getLong("epoch")).append(")\n");
      for (Object o : shardLines) {
        JsonObject sh = (JsonObject) o;
        b.append("    shard ").append(sh.getInteger("shard")).append(' ').append(v(sh.getString("tag")))
            .append("  last id ").append(sh.getLong("lastId")).append(", queue ").append(sh.getLong("queue"))
            .append(", in flight ").append(sh.getLong("inFlight")).append(", delayed ").append(sh.getLong("delayed"))
            .append(", errors ").append(sh.getLong("errors")).append(", audited ").append(sh.getLong("audited"))
            .append('\n');
      }
    }
    JsonObject change = s.getJsonObject("redisChange");
    if (change != null) {
      Long at = change.getLong("at");
      String when = at == null ? "(unknown)" : Instant.ofEpochMilli(at).toString();
      if ("lost".equals(change.getString("kind"))) {
        b.append("  REDIS LOST DATA at ").append(when).append(" (seen by ").append(change.getString("by"))
            .append("): the dataset was gone; ids up to ").append(change.getLong("seqRaisedTo")).append(" and epochs up to ")
            .append(change.getLong("epochRaisedTo")).append(" had been issued, the fleet continued above them. Counters and"
                + " audit cover only what happened since\n");
      } else {
        boolean lost = change.getLong("seqRaisedTo", 0L) > change.getLong("seqFound", 0L)
            || change.getLong("epochRaisedTo", 0L) > change.getLong("epochFound", 0L);
        b.append("  master      changed at ").append(when).append(" (seen by ").append(change.getString("by"))
            .append("): the new master had id ").append(change.getLong("seqFound")).append(", epoch ")
            .append(change.getLong("epochFound"))
            .append(lost ? "; the fleet had issued up to id " + change.getLong("seqRaisedTo") + ", epoch "
                + change.getLong("epochRaisedTo") + ", and continued above them (the writes in between were lost)"
                : "; nothing the fleet had seen was lost").append('\n');
      }
    }
    JsonObject st = s.getJsonObject("stats");
    b.append("  counters    ");
    st.fieldNames().stream().sorted().forEach(f -> b.append(v(f)).append('=').append(v(st.getValue(f))).append(' '));
    b.append('\n');
    JsonObject a = s.getJsonObject("audit");
    b.append("  audit       audited=").append(a.getLong("audited")).append(" duplicates=").append(a.getLong("duplicates"))
        .append(" unaccounted=").append(a.getLong("unaccounted")).append(" (0 once the fleet is drained)\n");
    long unaccounted = a.getLong("unaccounted");
    if (unaccounted != 0 && s.getLong("queue") == 0 && s.getLong("inFlight") == 0 && s.getLong("delayed", 0L) == 0) {
      b.append("  WARNING     ").append(unaccounted > 0 ? unaccounted + " produced message(s) have no recorded outcome"
          : -unaccounted + " more outcome(s) recorded than messages produced").append(" and nothing is queued or in flight:"
          + " something outside redfleet changed its keys\n");
    }
    return b.toString();
  }

  private static String v(Object value) {
    return Visible.escape(String.valueOf(value));
  }
}
