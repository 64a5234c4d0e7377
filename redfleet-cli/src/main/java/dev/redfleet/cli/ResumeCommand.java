package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "resume", mixinStandardHelpOptions = true,
    description = {"End a pause of the fleet (see 'pause'): workers take messages again within their poll interval",
        "(250 ms), the generator goes on. Resuming a fleet that is not paused changes nothing."})
public final class ResumeCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Redis redis = CommonOptions.connect(vertx, config);
      // the copies go to the shards the namespace has: another count is refused before any write
      CommonOptions.checkShards(vertx, config, redis);
      String was = OneShot.await(config, "the resume",
          new FleetStore(new Scripts(redis), CommonOptions.shards(config)).pause().resume());
      if (was == null) {
        System.out.println("fleet '" + config.namespace() + "' was not paused; nothing changed");
      } else {
        System.out.println("resumed fleet '" + config.namespace() + "', paused" + PauseCommand.describe(was));
      }
      return 0;
    } finally {
      OneShot.close(vertx);
    }
  }
}
