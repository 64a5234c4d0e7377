package dev.redfleet.config;

import io.vertx.core.json.JsonObject;
import java.lang.reflect.RecordComponent;
import java.util.Set;

/** The settings a plug-in (handler, source) sees: every resolved setting by its file key, secrets left out. */
public final class VisibleSettings {
  /** The Redis URL may hold a password; the others are secrets. */
  private static final Set<String> HIDDEN = Set.of(Setting.REDIS_URL.key,
      Setting.REDIS_PASSWORD.key, Setting.REDIS_SENTINEL_PASSWORD.key, Setting.HTTP_TOKEN.key);

  private VisibleSettings() {}

  /** The settings by file key, read from the record's accessors; the secrets are left out. */
  public static JsonObject of(FleetConfig config) {
    JsonObject json = new JsonObject();
    for (RecordComponent component : FleetConfig.class.getRecordComponents()) {
      if (HIDDEN.contains(component.getName())) {
        continue;
      }
      try {
        String key = component.getName().equals("leaderHandlesSetting") ? Setting.LEADER_HANDLES.key : component.getName();
        json.put(key, component.getAccessor().invoke(config));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return json;
  }

  /**
   * What {@code run} logs at start: every setting by its file key, the Redis URL with its password
   * hidden, and for each secret only whether it is set ({@code "(set)"} or {@code ""}), never its value.
   */
  public static JsonObject forLog(FleetConfig config) {
    JsonObject json = new JsonObject().put(Setting.REDIS_URL.key, RedisUrls.redact(config.redisUrl()));
    json.mergeIn(of(config));
    json.put(Setting.REDIS_PASSWORD.key, set(config.redisPassword()));
    json.put(Setting.REDIS_SENTINEL_PASSWORD.key, set(config.redisSentinelPassword()));
    json.put(Setting.HTTP_TOKEN.key, set(config.httpToken()));
    return json;
  }

  private static String set(String secret) {
    return secret == null || secret.isEmpty() ? "" : "(set)";
  }
}
