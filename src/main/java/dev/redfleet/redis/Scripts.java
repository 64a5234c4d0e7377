package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Lua scripts with EVALSHA. A script is loaded the first time Redis says NOSCRIPT (a
 * fresh or restarted server), then the call is repeated once. Every call fails after
 * {@link #CALL_TIMEOUT_MS} without an answer: the callers retry, and every script is safe to repeat.
 */
public final class Scripts {
  /** How long any Redis call may go unanswered before it counts as failed. */
  public static final long CALL_TIMEOUT_MS = 10_000;

  private final Redis redis;

  public Scripts(Redis redis) {
    this.redis = redis;
  }

  public Future<Response> run(Script script, List<String> keys, List<?> args) {
    return redis.send(evalsha(script, keys, args)).recover(failure -> {
      if (failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT")) {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()))
            .compose(loaded -> redis.send(evalsha(script, keys, args)));
      }
      return Future.failedFuture(failure);
    }).timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private static Request evalsha(Script script, List<String> keys, List<?> args) {
    Request request = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    for (String key : keys) {
      request.arg(key);
    }
    for (Object arg : args) {
      if (arg instanceof Number n) {
        request.arg(n.longValue());
      } else {
        request.arg(String.valueOf(arg));
      }
    }
    return request;
  }
}
