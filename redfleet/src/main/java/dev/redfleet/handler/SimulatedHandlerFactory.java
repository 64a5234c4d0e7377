package dev.redfleet.handler;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerContext;
import dev.redfleet.api.HandlerFactory;
import io.vertx.core.json.JsonObject;

/**
 * {@code simulated}, the default: the task's handler (0 to maxDelayMs ms, errorRate failures,
 * hangRate hangs). Found through ServiceLoader like any plug-in, so {@code run} and {@code bench}
 * reach it by the same path as a user's handler.
 */
public final class SimulatedHandlerFactory implements HandlerFactory {
  public static final String NAME = "simulated";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Handler create(HandlerContext context) {
    JsonObject s = context.settings();
    return new SimulatedHandler(context.vertx(), s.getInteger("maxDelayMs"), s.getDouble("errorRate"),
        s.getDouble("hangRate"));
  }
}
