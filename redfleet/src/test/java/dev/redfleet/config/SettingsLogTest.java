package dev.redfleet.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings line run logs at start: every setting by its key, secrets only as "(set)". */
class SettingsLogTest {
  @Test
  void everySettingIsLoggedAndNoSecretIs() {
    Map<Setting, Object> values = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      values.put(s, s.defaultValue);
    }
    values.put(Setting.REDIS_TLS_VERIFY_HOSTNAME, true);
    values.put(Setting.REDIS_URL, "redis://user:s3cr3t-url@127.0.0.1:6379/0");
    values.put(Setting.REDIS_PASSWORD, "s3cr3t-pw");
    values.put(Setting.REDIS_SENTINEL_PASSWORD, "s3cr3t-sentinel");
    values.put(Setting.HTTP_TOKEN, "s3cr3t-token");
    values.put(Setting.WORKERS, 7);
    JsonObject line = VisibleSettings.forLog(FleetConfig.of(values));
    String text = line.encode();
    assertThat(text).doesNotContain("s3cr3t");
    assertThat(line.getString("redisUrl")).isEqualTo("redis://user:***@127.0.0.1:6379/0");
    assertThat(line.getString("redisPassword")).isEqualTo("(set)");
    assertThat(line.getString("redisSentinelPassword")).isEqualTo("(set)");
    assertThat(line.getString("httpToken")).isEqualTo("(set)");
    assertThat(line.getInteger("workers")).isEqualTo(7);
    assertThat(line.fieldNames()).containsAll(Arrays.stream(Setting.values()).map(s -> s.key).toList());
  }
}
