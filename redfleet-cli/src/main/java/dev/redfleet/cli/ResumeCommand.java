package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;
import java.util.List;
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
      Keys keys = new Keys(config.namespace());
      Response was = OneShot.await(config, "the resume",
          new Scripts(redis).run(Script.RESUME, List.of(keys.paused()), List.of()));
      if (was == null) {
        System.out.println("fleet '" + config.namespace() + "' was not paused; nothing changed");
      } else {
        System.out.println("resumed fleet '" + config.namespace() + "', paused" + PauseCommand.describe(was.toString()));
      }
      return 0;
    } finally {
      OneShot.close(vertx);
    }
  }
}
