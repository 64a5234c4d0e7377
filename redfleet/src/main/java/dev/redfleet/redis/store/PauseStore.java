package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's pause in Redis: while it is set, workers take nothing new and the generator writes
 * nothing.
 *
 * <p>With shards, the namespace's pause key is what status shows, and each shard has a copy that
 * its claim and produce read in their own slot ({@link Keys#shardPaused}). Pause sets the
 * namespace's key, then writes its value into every shard; resume deletes the shards' copies,
 * then the namespace's key. So an interrupted pause or resume leaves status saying "paused" while
 * some shards may already run or still wait; either command, run again, finishes the job (both
 * always write every shard).
 */
public final class PauseStore {
  private final Scripts scripts;
  private final Keys keys;
  private final Shards shards;

  PauseStore(Scripts scripts, Shards shards) {
    this.scripts = scripts;
    this.keys = shards.fleet();
    this.shards = shards;
  }

  /** With shards: {@code request} made for each shard's copy, side by side. */
  private Future<Void> eachShardCopy(java.util.function.Function<Keys, Request> request) {
    if (shards.count() == 1) {
      return Future.succeededFuture();
    }
    List<Future<?>> copies = new ArrayList<>(shards.count());
    for (Keys shard : shards.all()) {
      copies.add(scripts.send(request.apply(shard)));
    }
    return Future.all(copies).mapEmpty();
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
        .map(r -> new Paused(r.get(0).toInteger() == 1, r.get(1).toString()))
        .compose(paused -> eachShardCopy(shard -> Request.cmd(Command.SET).arg(shard.shardPaused()).arg(paused.value()))
            .map(paused));
  }

  /** resume: ends the pause; completes with the value it had (who paused, and when), null when the fleet was not paused. */
  public Future<String> resume() {
    return eachShardCopy(shard -> Request.cmd(Command.DEL).arg(shard.shardPaused()))
        .compose(v -> scripts.run(Script.RESUME, List.of(keys.paused()), List.of()))
        .map(was -> was == null ? null : was.toString());
  }
}
