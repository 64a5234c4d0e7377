package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Visible;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.PauseStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

@Command(name = "pause", mixinStandardHelpOptions = true,
    description = {"Pause the whole fleet: workers take nothing new (messages in flight finish and are recorded),",
        "the generator emits nothing. The pause is kept in Redis: nodes started or restarted meanwhile are paused too.",
        "Pausing a paused fleet changes nothing. 'resume' ends it."})
public final class PauseCommand implements Callable<Integer> {
  /** The longest --by accepted: it is shown on one line by status and the page. */
  static final int MAX_BY_CHARS = 200;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--by", paramLabel = "NAME", description = "Who pauses, as status shows it (default: user@host).")
  String by;

  @Override
  public Integer call() {
    String who = by != null ? by : System.getProperty("user.name", "unknown") + "@" + host();
    if (who.isBlank() || who.length() > MAX_BY_CHARS || who.chars().anyMatch(Character::isISOControl)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--by must be 1 to " + MAX_BY_CHARS + " characters on one line");
    }
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Redis redis = CommonOptions.connect(vertx, config);
      // the copies go to the shards the namespace has: another count is refused before any write
      CommonOptions.checkShards(vertx, config, redis);
      PauseStore.Paused r = OneShot.await(config, "the pause",
          new FleetStore(new Scripts(redis), CommonOptions.shards(config)).pause().pause(who));
      if (r.changed()) {
        System.out.println("paused fleet '" + config.namespace() + "'" + describe(r.value())
            + ": workers take nothing new, messages in flight finish; 'redfleet resume' ends it");
      } else {
        System.out.println("fleet '" + config.namespace() + "' was paused already" + describe(r.value())
            + "; nothing changed");
      }
      return 0;
    } finally {
      OneShot.close(vertx);
    }
  }

  /** " since ... by ..." from the paused key's value; its raw text for a value pause did not write. */
  /** How the paused key reads, control characters escaped (the key may have been written by hand). */
  static String describe(String value) {
    try {
      JsonObject pause = new JsonObject(value);
      return " since " + Instant.ofEpochMilli(pause.getLong("at")) + " by " + Visible.escape(pause.getString("by"));
    } catch (RuntimeException notOurs) {
      return " (the key holds '" + Visible.escape(value.length() > 80 ? value.substring(0, 80) + "..." : value)
          + "', not written by pause)";
    }
  }

  private static String host() {
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown-host";
    }
  }
}
