package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * Runs the Lua scripts with EVALSHA. A script is loaded the first time Redis says NOSCRIPT (a
 * fresh or restarted server), then the call is repeated once.
 */
public final class Scripts {
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
    });
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
