package dev.redfleet.cli;

import dev.redfleet.config.ConfigException;
import dev.redfleet.config.ConfigLoader;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The command line's configuration sources: the file and the environment through vertx-config,
 * each its own retriever with one explicitly declared store (vertx-config's default stores would
 * also read system properties and let the file override the environment).
 */
final class VertxConfigSources implements ConfigLoader.Sources {
  static final VertxConfigSources INSTANCE = new VertxConfigSources();

  private VertxConfigSources() {}

  @Override
  public JsonObject file(Vertx vertx, Path path) {
    return retrieve(vertx, new ConfigStoreOptions()
        .setType("file")
        .setFormat("json")
        .setConfig(new JsonObject().put("path", path.toString())), "config file " + path);
  }

  @Override
  public JsonObject environment(Vertx vertx, Map<String, String> env, Set<String> names) {
    ConfigStoreOptions store = env == null
        ? new ConfigStoreOptions().setType("env").setConfig(new JsonObject()
            .put("raw-data", true)
            .put("keys", new JsonArray(names.stream().sorted().toList())))
        : new ConfigStoreOptions().setType("json").setConfig(only(env, names));
    return retrieve(vertx, store, "the environment");
  }

  private static JsonObject only(Map<String, String> env, Set<String> names) {
    JsonObject json = new JsonObject();
    env.forEach((k, v) -> {
      if (names.contains(k) && v != null) {
        json.put(k, v);
      }
    });
    return json;
  }

  private static JsonObject retrieve(Vertx vertx, ConfigStoreOptions store, String what) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(-1)
        .addStore(store));
    try {
      return retriever.getConfig().await(Duration.ofSeconds(10));
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String reason = String.valueOf(cause.getMessage()).lines().findFirst().orElse("unreadable");
      throw new ConfigException("cannot read " + what + ": " + reason);
    } finally {
      retriever.close();
    }
  }
}
