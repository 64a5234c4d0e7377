package dev.redfleet.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HandlerContext.settings: every setting a handler may read, and none of the secrets. */
class HandlerSettingsTest {
  @Test
  void theSettingsAHandlerSeesHoldNoTokenAndNoPassword() {
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = ConfigLoader.load(vertx, null, Map.of("REDFLEET_HTTP_TOKEN", "tok-8d1e55c0aa",
          "REDIS_PASSWORD", "pw-71c2e9", "REDIS_SENTINEL_PASSWORD", "spw-0b4d", "REDIS_URL", "redis://u:upw-93ab@h:6379"),
          Map.of(Setting.HTTP_PORT, "0"));
      JsonObject settings = HandlerSource.settingsOf(config);
      assertThat(settings.encode()).doesNotContain("tok-8d1e55c0aa").doesNotContain("pw-71c2e9")
          .doesNotContain("spw-0b4d").doesNotContain("upw-93ab");
      assertThat(settings.fieldNames()).doesNotContain("httpToken", "redisPassword", "redisSentinelPassword", "redisUrl")
          .contains("httpPort", "httpTokenFile", "maxBodyBytes", "leaderHandles");
      assertThat(settings.getInteger("httpPort")).isZero();
    } finally {
      vertx.close();
    }
  }
}
