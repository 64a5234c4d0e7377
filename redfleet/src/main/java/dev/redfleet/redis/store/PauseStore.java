package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import java.util.List;

/** The fleet's pause in Redis: while it is set, workers take nothing new and the generator writes nothing. */
public final class PauseStore {
  private final Scripts scripts;
  private final Keys keys;

  PauseStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /**
   * What pause came to.
   *
   * @param changed this call paused the fleet (false: it was paused already)
   * @param value the pause's value after the call: who paused it and when, as pause.lua writes it
   */
  public record Paused(boolean changed, String value) {}

  /** pause: pauses the fleet, by {@code by}. */
  public Future<Paused> pause(String by) {
    return scripts.run(Script.PAUSE, List.of(keys.paused()), List.of(by))
        .map(r -> new Paused(r.get(0).toInteger() == 1, r.get(1).toString()));
  }

  /** resume: ends the pause; completes with the value it had (who paused, and when), null when the fleet was not paused. */
  public Future<String> resume() {
    return scripts.run(Script.RESUME, List.of(keys.paused()), List.of()).map(was -> was == null ? null : was.toString());
  }
}
