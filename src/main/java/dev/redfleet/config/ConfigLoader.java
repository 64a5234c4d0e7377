package dev.redfleet.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Reads the configuration file and the environment through vertx-config, then applies the
 * command line. The stores are declared explicitly (file, then env) because vertx-config's default
 * stores would let the file override the environment.
 */
public final class ConfigLoader {

  public static final Path DEFAULT_FILE = Path.of("conf", "config.json");

  private static final Set<String> FILE_KEYS =
      Arrays.stream(Setting.values()).map(s -> s.key).collect(Collectors.toSet());
  private static final Set<String> ENV_NAMES =
      Arrays.stream(Setting.values()).map(s -> s.env).collect(Collectors.toSet());

  private ConfigLoader() {}

  /**
   * @param file the configuration file; {@code null} means {@link #DEFAULT_FILE}, which may be absent
   * @param env the environment to read, or {@code null} for the process environment
   * @param cli values given on the command line, as typed
   */
  public static FleetConfig load(Vertx vertx, Path file, Map<String, String> env, Map<Setting, String> cli) {
    boolean explicit = file != null;
    Path path = explicit ? file : DEFAULT_FILE;
    if (explicit && !Files.isReadable(path)) {
      throw new ConfigException("cannot read config file " + path + ": no such readable file");
    }
    JsonObject layered = read(vertx, path, explicit, env);
    Map<Setting, Object> values = new EnumMap<>(Setting.class);
    for (String key : layered.fieldNames()) {
      if (!FILE_KEYS.contains(key) && !ENV_NAMES.contains(key)) {
        throw new ConfigException("unknown setting '" + key + "' in " + path + " (known: "
            + String.join(", ", FILE_KEYS.stream().sorted().toList()) + ")");
      }
    }
    for (Setting s : Setting.values()) {
      Object raw;
      String source;
      if (cli.containsKey(s)) {
        raw = cli.get(s);
        source = "option " + s.option;
      } else if (layered.containsKey(s.env)) {
        raw = layered.getValue(s.env);
        source = "environment variable " + s.env;
      } else if (layered.containsKey(s.key)) {
        raw = layered.getValue(s.key);
        source = "'" + s.key + "' in " + path;
      } else {
        raw = s.defaultValue;
        source = "default";
      }
      values.put(s, parse(s, raw, source));
    }
    if (((String) values.get(Setting.NODE_ID)).isEmpty()) {
      values.put(Setting.NODE_ID, defaultNodeId());
    }
    FleetConfig config = FleetConfig.of(values);
    checkTimings(config);
    return config;
  }

  private static JsonObject read(Vertx vertx, Path path, boolean explicit, Map<String, String> env) {
    ConfigStoreOptions fileStore = new ConfigStoreOptions()
        .setType("file")
        .setFormat("json")
        .setOptional(!explicit)
        .setConfig(new JsonObject().put("path", path.toString()));
    ConfigStoreOptions envStore = env == null
        ? new ConfigStoreOptions().setType("env").setConfig(new JsonObject()
            .put("raw-data", true)
            .put("keys", new JsonArray(ENV_NAMES.stream().sorted().toList())))
        : new ConfigStoreOptions().setType("json").setConfig(filtered(env));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(-1)
        .addStore(fileStore)
        .addStore(envStore));
    try {
      return retriever.getConfig().await(Duration.ofSeconds(10));
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String reason = String.valueOf(cause.getMessage()).lines().findFirst().orElse("unreadable");
      throw new ConfigException("cannot read config file " + path + ": " + reason);
    } finally {
      retriever.close();
    }
  }

  private static JsonObject filtered(Map<String, String> env) {
    JsonObject json = new JsonObject();
    env.forEach((k, v) -> {
      if (ENV_NAMES.contains(k)) {
        json.put(k, v);
      }
    });
    return json;
  }

  static Object parse(Setting s, Object raw, String source) {
    String where = " (from " + source + ")";
    switch (s.kind) {
      case TEXT, NAME -> {
        if (!(raw instanceof String text)) {
          throw new ConfigException(s.key + " must be text, got " + describe(raw) + where);
        }
        if (s.kind == Setting.Kind.NAME && !text.isEmpty() && !text.matches("[A-Za-z0-9._\\-:@]+")) {
          throw new ConfigException(s.key + " may only hold letters, digits and . _ - : @, got '" + text + "'" + where);
        }
        if (s.kind == Setting.Kind.NAME && text.isEmpty() && s != Setting.NODE_ID) {
          throw new ConfigException(s.key + " must not be empty" + where);
        }
        if (s == Setting.REDIS_URL && !text.matches("(redis|rediss|unix)://.*")) {
          throw new ConfigException("redisUrl must look like redis://host:port, got '" + RedisUrls.redact(text) + "'" + where);
        }
        return text;
      }
      case INTEGER -> {
        long value;
        if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
          value = n.longValue();
        } else if (raw instanceof String text && text.trim().matches("-?\\d{1,18}")) {
          value = Long.parseLong(text.trim());
        } else {
          throw new ConfigException(s.key + " must be a whole number, got " + describe(raw) + where);
        }
        long max = s == Setting.LIMIT ? Long.MAX_VALUE / 2 : Integer.MAX_VALUE;
        if (value < s.min || value > max) {
          throw new ConfigException(s.key + " must be " + (s.min == 0 ? "zero or more" : "at least " + s.min)
              + ", got " + value + where);
        }
        return value;
      }
      case FRACTION -> {
        double value;
        if (raw instanceof Number n) {
          value = n.doubleValue();
        } else {
          try {
            value = Double.parseDouble(String.valueOf(raw).trim());
          } catch (NumberFormatException e) {
            throw new ConfigException(s.key + " must be a number between 0 and 1, got " + describe(raw) + where);
          }
        }
        if (!(value >= 0 && value <= 1)) {
          throw new ConfigException(s.key + " must be between 0 and 1, got " + value + where);
        }
        return value;
      }
      default -> throw new IllegalStateException(s.kind.toString());
    }
  }

  private static String describe(Object raw) {
    return raw instanceof String ? "'" + raw + "'" : String.valueOf(raw);
  }

  private static void checkTimings(FleetConfig c) {
    if (c.renewMs() >= c.leaseMs()) {
      throw new ConfigException("renewMs (" + c.renewMs() + ") must be shorter than leaseMs (" + c.leaseMs() + ")");
    }
    if (c.staleMs() <= c.heartbeatMs() * 2L) {
      throw new ConfigException("staleMs (" + c.staleMs() + ") must be more than twice heartbeatMs (" + c.heartbeatMs() + ")");
    }
  }

  static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "node";
    }
    host = host.replaceAll("[^A-Za-z0-9.\\-]", "-");
    long pid = ManagementFactory.getRuntimeMXBean().getPid();
    return host + "-" + pid + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  }
}
