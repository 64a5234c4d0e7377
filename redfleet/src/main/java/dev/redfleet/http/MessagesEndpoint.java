package dev.redfleet.http;

import dev.redfleet.api.NewMessage;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisFailures;
import dev.redfleet.send.Sender;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /messages} on the node's HTTP port: messages in, through {@link Sender}. One JSON
 * message object or an array of them ({@link MessagesJson}); answers {@code 202 {"ids": [...]}}
 * in request order, or a one-line {@code {"error": "..."}} with 400 (bad JSON or fields), 401/403
 * ({@link PostAccess}), 405, 413 (request over {@link #maxRequestBytes} or more than
 * {@link MessagesJson#MAX_MESSAGES} messages), 415 (not JSON), 500 (Redis refused the write) or
 * 503 (Redis unreachable).
 *
 * <p>The body is counted as it arrives and never held beyond {@link #maxRequestBytes}: a declared
 * Content-Length over it is refused before a byte is read (a client that sent
 * {@code Expect: 100-continue} then sends nothing). After any early refusal at most
 * {@link #DISCARD_BYTES} more are read and dropped, so that the client, still sending, gets to
 * read the answer; then the connection is closed. Nothing here blocks: parsing a request of the
 * largest size takes milliseconds, and the sending is asynchronous.
 */
public final class MessagesEndpoint {
  private static final Logger log = LoggerFactory.getLogger(MessagesEndpoint.class);
  public static final String PATH = "/messages";
  /** What a request may hold beyond twice the largest body: the other fields, the array's syntax. */
  static final int REQUEST_OVERHEAD_BYTES = 64 * 1024;
  /** After an early refusal, how much of the rest of the body is read and dropped before closing. */
  static final long DISCARD_BYTES = 1024 * 1024;
  /** Redis error replies that say "not now" rather than "never": the client should retry. */
  private static final Set<String> TRANSIENT = Set.of("OOM", "LOADING", "BUSY", "MASTERDOWN", "READONLY",
      "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF");

  private final Sender sender;
  private final PostAccess access;
  private final long maxRequestBytes;
  /** Whether the last send failed: the first failure of a run is logged, and the recovery. */
  private final AtomicBoolean failing = new AtomicBoolean();

  public MessagesEndpoint(Sender sender, PostAccess access) {
    this.sender = sender;
    this.access = access;
    this.maxRequestBytes = maxRequestBytes(sender.maxBodyBytes());
    if (access.closed()) {
      log.warn(access.describe());
    } else {
      log.info("{}; requests of at most {} bytes and {} messages", access.describe(), maxRequestBytes,
          MessagesJson.MAX_MESSAGES);
    }
  }

  /**
   * The largest request body: twice the largest message body (JSON escaping may double it) plus
   * {@link #REQUEST_OVERHEAD_BYTES}; 2,162,688 bytes with the default maxBodyBytes (1 MiB).
   */
  public static long maxRequestBytes(long maxBodyBytes) {
    return 2 * maxBodyBytes + REQUEST_OVERHEAD_BYTES;
  }

  public void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.POST) {
      request.response().putHeader(HttpHeaders.ALLOW, "POST");
      refuse(request, 405, request.method() + " is not served on " + PATH + ": use POST");
      return;
    }
    HostAndPort authority = request.authority();
    PostAccess.Refusal refusal = access.check(request.getHeader(HttpHeaders.AUTHORIZATION),
        authority == null ? null : authority.host());
    if (refusal != null) {
      if (refusal.challenge()) {
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"redfleet\"");
      }
      refuse(request, refusal.status(), refusal.reason());
      return;
    }
    if (!isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      refuse(request, 415, "Content-Type must be application/json");
      return;
    }
    long declared = declaredLength(request);
    if (declared > maxRequestBytes) {
      refuse(request, 413, "the request body is " + declared + " bytes, " + overLimit());
      return;
    }
    if (request.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
      request.response().writeContinue();
    }
    Buffer body = Buffer.buffer((int) Math.min(declared > 0 ? declared : 4096, Math.min(maxRequestBytes, 1 << 20)));
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + (long) chunk.length() > maxRequestBytes) {
        refused[0] = true;
        refuse(request, 413, "the request body is " + overLimit());
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> {
      if (!refused[0]) {
        send(request, body);
      }
    });
  }

  private String overLimit() {
    return "over the limit of " + maxRequestBytes + " bytes (2 x maxBodyBytes + 64 KiB): send fewer or smaller messages per request";
  }

  private void send(HttpServerRequest request, Buffer body) {
    List<NewMessage> messages;
    try {
      messages = MessagesJson.parse(body, sender);
    } catch (MessagesJson.Refused r) {
      reply(request, r.status, error(r.getMessage()));
      return;
    }
    sender.sendAll(messages).onComplete(sent -> {
      if (sent.succeeded()) {
        if (failing.compareAndSet(true, false)) {
          log.info("POST /messages: sends go through again");
        }
        reply(request, 202, ids(sent.result()));
      } else {
        failed(request, sent.cause());
      }
    });
  }

  private void failed(HttpServerRequest request, Throwable cause) {
    if (cause instanceof IllegalArgumentException refused) {
      reply(request, 400, error(refused.getMessage()));
      return;
    }
    if (failing.compareAndSet(false, true)) {
      log.warn("POST /messages: a send failed, answering 5xx until one succeeds: {}", RedisUrls.redact(Backoff.oneLine(cause)));
    }
    if (cause instanceof Response && !RedisFailures.connectionLost(cause)) {
      // an error reply: Redis is there but did not take the write (a connection closed under the
      // call is no answer: unreachable, below)
      String answer = Backoff.oneLine(cause);
      String kind = answer.split(" ", 2)[0];
      if (TRANSIENT.contains(kind)) {
        request.response().putHeader("Retry-After", "1");
        reply(request, 503, error("Redis cannot take messages now (" + kind + "): retry later"));
      } else {
        reply(request, 500, error("Redis refused the send: "
            + RedisFailures.permanent(cause).map(RedisFailures.Permanent::reason).orElse(RedisUrls.redact(answer))));
      }
      return;
    }
    request.response().putHeader("Retry-After", "1");
    reply(request, 503, error("Redis is unreachable: nothing or only some of the messages were sent; "
        + "retry (with keys, to send each message once)"));
  }

  private static String ids(List<Long> ids) {
    StringBuilder json = new StringBuilder(16 + ids.size() * 8).append("{\"ids\":[");
    for (int i = 0; i < ids.size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append(ids.get(i).longValue());
    }
    return json.append("]}").toString();
  }

  static String error(String reason) {
    return new JsonObject().put("error", reason).encode();
  }

  static void reply(HttpServerRequest request, int status, String json) {
    HttpServerResponse response = request.response();
    if (response.closed() || response.ended()) {
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(json);
  }

  /**
   * Answers before the body is read, or while it is. The rest of the body is read and dropped (up
   * to {@link #DISCARD_BYTES}), so a client still sending gets to read the answer; then, over
   * HTTP/1, the connection is closed (the stream is reset over HTTP/2).
   */
  static void refuse(HttpServerRequest request, int status, String reason) {
    boolean http1 = request.version() != HttpVersion.HTTP_2;
    // HTTP/1.1: a request without Content-Length and Transfer-Encoding has no body (GET, say)
    boolean bodyPending = !request.isEnded() && (!http1 || declaredLength(request) > 0
        || request.headers().contains(HttpHeaders.TRANSFER_ENCODING));
    if (bodyPending && http1) {
      request.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    Future<Void> written = request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(error(reason));
    if (!bodyPending) {
      return;
    }
    Promise<Void> dropped = Promise.promise();
    long unread = declaredLength(request) - request.bytesRead();
    if (request.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true) && request.bytesRead() == 0
        || unread > DISCARD_BYTES) {
      // a client that asked first sends nothing now; one about to send a lot is not waited for
      dropped.tryComplete();
    }
    long limit = request.bytesRead() + DISCARD_BYTES;
    request.handler(chunk -> {
      if (request.bytesRead() > limit) {
        dropped.tryComplete();
      }
    });
    request.endHandler(v -> dropped.tryComplete());
    request.exceptionHandler(e -> dropped.tryComplete());
    Future.join(written, dropped.future()).onComplete(done -> {
      if (http1) {
        request.connection().close();
      } else if (!request.isEnded()) {
        request.response().reset();
      }
    });
  }

  /** The Content-Length the client declared, or -1 (chunked, or none). */
  static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null || !length.strip().matches("\\d{1,18}")) {
      return -1;
    }
    return Long.parseLong(length.strip());
  }

  /** application/json, with or without parameters (charset=utf-8). */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().equalsIgnoreCase("application/json");
  }
}
