package dev.redfleet.http;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.Visible;
import dev.redfleet.errors.ErrorRequeuer;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisFailures;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live page's actions, small JSON POSTs next to {@code POST /messages} and under the same
 * rules ({@link PostAccess}: the bearer token, or loopback only without one; JSON content type):
 * {@code /api/pause} and {@code /api/resume} ({@code pause.lua}, {@code resume.lua}),
 * {@code /api/errors/requeue} and {@code /api/errors/delete} of one entry, named by its exact text
 * ({@link ErrorRequeuer#requeueOne}, {@code delete-error.lua}), and {@code /api/errors/requeue-all}
 * ({@link ErrorRequeuer}, at most {@link #MAX_REQUEUE_ALL} per request). Every change is one
 * script call; nothing here blocks. Answers 200 with a JSON object, or a one-line
 * {@code {"error": "..."}} with 400, 401/403, 405, 409 (the entry is no longer in the list),
 * 413, 415, 422 (the entry is no failed message), 500 (Redis refused) or 503 (Redis unreachable).
 */
public final class ActionsEndpoint {
  private static final Logger log = LoggerFactory.getLogger(ActionsEndpoint.class);
  public static final String PAUSE = "/api/pause";
  public static final String RESUME = "/api/resume";
  public static final String REQUEUE = "/api/errors/requeue";
  public static final String DELETE = "/api/errors/delete";
  public static final String REQUEUE_ALL = "/api/errors/requeue-all";
  /** The fields each action takes; any other is refused. */
  // lists: an unknown field's refusal names the known ones in this order
  private static final Map<String, List<String>> FIELDS = Map.of(PAUSE, List.of("by"), RESUME, List.of(),
      REQUEUE, List.of("entry", "shard"), DELETE, List.of("entry", "shard"), REQUEUE_ALL, List.of("limit"));
  /** Entries one requeue-all request moves at most (about a second's work), so it ends well inside the idle timeout. */
  public static final int MAX_REQUEUE_ALL = 10_000;
  /** When no limit is given. */
  static final int DEFAULT_REQUEUE_ALL = 1_000;
  /** The longest "by" of a pause, as the pause command allows. */
  static final int MAX_BY_CHARS = 200;
  private static final Set<String> TRANSIENT = Set.of("OOM", "LOADING", "BUSY", "MASTERDOWN", "READONLY",
      "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF");

  private final Scripts scripts;
  private final dev.redfleet.redis.Shards shards;
  private final FleetStore store;
  private final PostAccess access;
  private final long maxRequestBytes;

  /** @param maxBodyBytes the fleet's largest message body: an errors entry holds one, and is sent back JSON-escaped */
  public ActionsEndpoint(Scripts scripts, dev.redfleet.redis.Shards shards, PostAccess access, long maxBodyBytes) {
    this.scripts = scripts;
    this.shards = shards;
    this.store = new FleetStore(scripts, shards);
    this.access = access;
    this.maxRequestBytes = 2 * MessagesEndpoint.maxRequestBytes(maxBodyBytes);
  }

  public static boolean serves(String path) {
    return FIELDS.containsKey(path);
  }

  /** What the page needs to know to offer the actions (never the token itself). */
  public JsonObject forPage() {
    return new JsonObject().put("tokenRequired", access.tokenRequired()).put("open", !access.closed());
  }

  public void handle(HttpServerRequest request) {
    String path = request.path();
    if (request.method() != HttpMethod.POST) {
      request.response().putHeader(HttpHeaders.ALLOW, "POST");
      MessagesEndpoint.refuse(request, 405, request.method() + " is not served on " + path + ": use POST");
      return;
    }
    HostAndPort authority = request.authority();
    PostAccess.Refusal refusal = access.check(request.getHeader(HttpHeaders.AUTHORIZATION),
        authority == null ? null : authority.host());
    if (refusal != null) {
      if (refusal.challenge()) {
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"redfleet\"");
      }
      MessagesEndpoint.refuse(request, refusal.status(), refusal.reason().replace(MessagesEndpoint.PATH, path));
      return;
    }
    if (!MessagesEndpoint.isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      MessagesEndpoint.refuse(request, 415, "Content-Type must be application/json");
      return;
    }
    if (MessagesEndpoint.declaredLength(request) > maxRequestBytes) {
      MessagesEndpoint.refuse(request, 413, "the request body is over the limit of " + maxRequestBytes + " bytes");
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (!refused[0] && body.length() + (long) chunk.length() > maxRequestBytes) {
        refused[0] = true;
        MessagesEndpoint.refuse(request, 413, "the request body is over the limit of " + maxRequestBytes + " bytes");
      } else if (!refused[0]) {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(v -> {
      if (!refused[0]) {
        act(request, path, body);
      }
    });
  }

  private void act(HttpServerRequest request, String path, Buffer body) {
    JsonObject json;
    try {
      json = body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (RuntimeException notJson) {
      MessagesEndpoint.reply(request, 400, MessagesEndpoint.error("the body must be a JSON object"));
      return;
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.get(path).contains(field)) {
        MessagesEndpoint.reply(request, 400, MessagesEndpoint.error("unknown field \"" + field + "\" for " + path
            + (FIELDS.get(path).isEmpty() ? " (it takes none)" : " (known: " + String.join(", ", FIELDS.get(path)) + ")")));
        return;
      }
    }
    String refusal = refusal(path, json);
    if (refusal != null) {
      MessagesEndpoint.reply(request, 400, MessagesEndpoint.error(refusal));
      return;
    }
    Object shard = json.getValue("shard");
    if (shard != null && !(shard instanceof Integer s && s >= 0 && s < shards.count())) {
      MessagesEndpoint.reply(request, 400, MessagesEndpoint.error("\"shard\" must be a whole number from 0 to "
          + (shards.count() - 1) + ": the shard of the entry, as /api/status shows it in latestErrors[].shard"));
      return;
    }
    int s = shard == null ? 0 : (Integer) shard;
    Future<Answer> done = switch (path) {
      case PAUSE -> pause(json.getValue("by") instanceof String by ? by : "page@" + request.remoteAddress().hostAddress());
      case RESUME -> resume();
      case REQUEUE -> requeue(s, json.getString("entry"));
      case DELETE -> delete(s, json.getString("entry"));
      default -> requeueAll(json.getValue("limit") instanceof Integer limit ? limit : DEFAULT_REQUEUE_ALL);
    };
    done.timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.succeeded()) {
        MessagesEndpoint.reply(request, ar.result().status(), ar.result().json().encode());
      } else {
        failed(request, path, ar.cause());
      }
    });
  }

  /** Why the fields of a request are refused (400), or null. */
  static String refusal(String path, JsonObject json) {
    Object by = json.getValue("by");
    if (by != null && (!(by instanceof String text) || text.isBlank() || text.length() > MAX_BY_CHARS
        || text.chars().anyMatch(Character::isISOControl))) {
      return "\"by\" must be 1 to " + MAX_BY_CHARS + " characters on one line";
    }
    if (FIELDS.get(path).contains("entry") && !(json.getValue("entry") instanceof String entry && !entry.isEmpty())) {
      return "\"entry\" is required: the errors entry, exactly as /api/status shows it in latestErrors[].entry";
    }
    Object limit = json.getValue("limit");
    if (limit != null && (!(limit instanceof Integer n) || n < 1 || n > MAX_REQUEUE_ALL)) {
      return "\"limit\" must be a whole number from 1 to " + MAX_REQUEUE_ALL;
    }
    return null;
  }

  /** A status and the JSON to answer with. */
  record Answer(int status, JsonObject json) {
    static Answer ok(JsonObject json) {
      return new Answer(200, json);
    }

    static Answer refused(int status, String reason) {
      return new Answer(status, new JsonObject().put("error", reason));
    }
  }

  private Future<Answer> pause(String by) {
    return store.pause().pause(by).map(r -> {
      boolean changed = r.changed();
      if (changed) {
        log.info("page action: the fleet is paused (by {})", Visible.escape(by));
      }
      return Answer.ok(describePause(new JsonObject().put("paused", true).put("changed", changed), r.value()));
    });
  }

  private Future<Answer> resume() {
    return store.pause().resume().map(was -> {
      if (was != null) {
        log.info("page action: the fleet is resumed");
      }
      JsonObject json = new JsonObject().put("paused", false).put("changed", was != null);
      return Answer.ok(was == null ? json : describePause(json, was));
    });
  }

  /** pausedBy and pausedAt of a pause value pause.lua wrote (a value written by hand is left out). */
  private static JsonObject describePause(JsonObject json, String value) {
    try {
      JsonObject pause = new JsonObject(value);
      return json.put("pausedBy", pause.getString("by")).put("pausedAt", pause.getLong("at"));
    } catch (RuntimeException notOurs) {
      return json;
    }
  }

  /** Shard {@code s}'s id {@code local} as the fleet shows it (itself with one shard). */
  private long fleetId(int s, long local) {
    return local > 0 ? shards.globalId(s, local) : local;
  }

  private Future<Answer> requeue(int shard, String entry) {
    return ErrorRequeuer.requeueOne(scripts, shards.shard(shard), entry,
        shards.count() == 1 ? null : local -> shards.globalId(shard, local)).map(one -> {
      if (one.requeued()) {
        long from = one.originalId();
        long id = one.newId();
        log.info("page action: the error entry of message {} is requeued as message {}", from, id);
        return Answer.ok(new JsonObject().put("requeued", 1).put("id", id).put("from", from));
      }
      if (one.gone()) {
        return Answer.refused(409, gone());
      }
      return Answer.refused(422, "the entry is " + one.kind() + ", not a failed message: it is never requeued "
          + "(delete it, or take it with getErrors); nothing was changed");
    });
  }

  private Future<Answer> delete(int shard, String entry) {
    return new FleetStore(scripts, shards.shard(shard)).errors().delete(entry).map(deleted -> {
      if (!deleted) {
        return Answer.refused(409, gone());
      }
      log.info("page action: the error entry {} is deleted", idOf(shard, entry));
      return Answer.ok(new JsonObject().put("deleted", 1));
    });
  }

  /** Shard after shard, each entry into its own shard, until {@code limit} are requeued. */
  private Future<Answer> requeueAll(int limit) {
    Future<ErrorRequeuer.Result> chain = Future.succeededFuture(null);
    for (int s = 0; s < shards.count(); s++) {
      int shard = s;
      chain = chain.compose(soFar -> {
        long left = limit - (soFar == null ? 0 : soFar.requeued());
        if (left <= 0) {
          return Future.succeededFuture(soFar);
        }
        return new ErrorRequeuer(scripts, shards.shard(shard), left, Set.of(),
            shards.count() == 1 ? null : local -> shards.globalId(shard, local)).run()
            .map(one -> soFar == null ? one : ErrorRequeuer.Result.both(soFar, one));
      });
    }
    return chain.map(r -> {
      if (r.requeued() > 0) {
        log.info("page action: {} error entries are requeued", r.requeued());
      }
      JsonObject left = new JsonObject();
      r.leftInPlace().forEach(left::put);
      return Answer.ok(new JsonObject().put("requeued", r.requeued()).put("more", r.requeued() == limit)
          .put("leftInPlace", left).put("gone", r.gone()));
    });
  }

  private static String gone() {
    return "the entry is no longer in the errors list (another reader took it, or it was handled already): "
        + "nothing was changed";
  }

  /** "of message N" for a failed message's entry, else "(not a failed message)"; never its body. */
  private String idOf(int shard, String entry) {
    try {
      Object id = new JsonObject(entry).getValue("id");
      return id instanceof Number n ? "of message " + fleetId(shard, n.longValue()) : "(not a failed message)";
    } catch (RuntimeException notJson) {
      return "(not JSON)";
    }
  }

  private void failed(HttpServerRequest request, String path, Throwable cause) {
    String what = "POST " + path;
    log.warn("page action {} failed: {}", path, RedisUrls.redact(Backoff.oneLine(cause)));
    if (cause instanceof Response && !RedisFailures.connectionLost(cause)) {
      String answer = Backoff.oneLine(cause);
      String kind = answer.split(" ", 2)[0];
      if (!TRANSIENT.contains(kind)) {
        MessagesEndpoint.reply(request, 500, MessagesEndpoint.error("Redis refused " + what + ": "
            + RedisFailures.permanent(cause).map(RedisFailures.Permanent::reason).orElse(RedisUrls.redact(answer))));
        return;
      }
    }
    request.response().putHeader("Retry-After", "1");
    MessagesEndpoint.reply(request, 503, MessagesEndpoint.error("Redis is unreachable or busy: " + what
        + " may or may not have been done; look at the page again, then retry"));
  }
}
