package dev.redfleet.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Reads the configuration file (JSON) and the environment, then applies the command line; a setting
 * from the environment beats the file. The command-line application reads the file and the
 * environment through vertx-config ({@code cli.VertxConfigSources}); the library reads them itself
 * ({@link #PLAIN}), so that a program that embeds a node does not carry a configuration library.
 */
public final class ConfigLoader {

  public static final Path DEFAULT_FILE = Path.of("conf", "config.json");

  private static final Set<String> FILE_KEYS =
      Arrays.stream(Setting.values()).map(s -> s.key).collect(Collectors.toSet());
  private static final Set<String> ENV_NAMES =
      Arrays.stream(Setting.values()).map(s -> s.env).collect(Collectors.toSet());

  private ConfigLoader() {}

  /**
   * Reads the two sources of settings below the command line. {@link #PLAIN} is the library's own
   * (a program that embeds a node does not carry a configuration library for one JSON file); the
   * command-line application passes one built on vertx-config.
   */
  public interface Sources {
    /** The JSON object in {@code path}, or a {@link ConfigException} naming the file. */
    JsonObject file(Vertx vertx, Path path);

    /** The variables among {@code names}, from {@code env}, or from the process environment when it is null. */
    JsonObject environment(Vertx vertx, Map<String, String> env, Set<String> names);
  }

  /** Reads the file with Vert.x's JSON parser and the environment from {@link System#getenv()}. */
  public static final Sources PLAIN = new Sources() {
    @Override
    public JsonObject file(Vertx vertx, Path path) {
      return readFile(path);
    }

    @Override
    public JsonObject environment(Vertx vertx, Map<String, String> env, Set<String> names) {
      return readEnv(env);
    }
  };

  /**
   * @param file the configuration file; {@code null} means {@link #DEFAULT_FILE}, which may be absent
   * @param env the environment to read, or {@code null} for the process environment
   * @param cli values given on the command line, as typed
   */
  public static FleetConfig load(Vertx vertx, Path file, Map<String, String> env, Map<Setting, String> cli) {
    return load(vertx, file, env, cli, PLAIN);
  }

  /** As {@link #load(Vertx, Path, Map, Map)}, reading the file and the environment with {@code sources}. */
  public static FleetConfig load(Vertx vertx, Path file, Map<String, String> env, Map<Setting, String> cli, Sources sources) {
    return loadFrom(vertx, fileToRead(file), env, cli, sources);
  }

  /**
   * As {@link #load}, but without a file no file is read, not even {@link #DEFAULT_FILE}: for the
   * Java client, which runs inside someone else's program, whose {@code conf/config.json} (the
   * Vert.x convention) is not ours.
   */
  public static FleetConfig loadWithoutDefaultFile(Vertx vertx, Path file, Map<String, String> env, Map<Setting, String> cli) {
    return loadFrom(vertx, file == null ? null : fileToRead(file), env, cli, PLAIN);
  }

  private static FleetConfig loadFrom(Vertx vertx, Path path, Map<String, String> env, Map<Setting, String> cli, Sources sources) {
    // the file and the environment are read apart: a file may only use the documented keys, never
    // the names of environment variables
    JsonObject fromFile = path == null ? new JsonObject() : sources.file(vertx, path);
    JsonObject fromEnv = sources.environment(vertx, env, ENV_NAMES);
    for (String key : fromFile.fieldNames()) {
      if (!FILE_KEYS.contains(key)) {
        Setting meant = Arrays.stream(Setting.values()).filter(s -> s.env.equals(key)).findFirst().orElse(null);
        throw new ConfigException("unknown setting '" + key + "' in " + path
            + (meant != null ? " (a file uses '" + meant.key + "'; " + key + " is the environment variable)"
                : " (known: " + String.join(", ", FILE_KEYS.stream().sorted().toList()) + ")"));
      }
    }
    Map<Setting, Object> values = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      Object raw;
      String source;
      if (cli.containsKey(s)) {
        raw = cli.get(s);
        source = "option " + s.option;
      } else if (fromEnv.containsKey(s.env)) {
        raw = fromEnv.getValue(s.env);
        source = "environment variable " + s.env;
      } else if (fromFile.containsKey(s.key)) {
        raw = fromFile.getValue(s.key);
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
    values.put(Setting.HTTP_TOKEN, httpToken((String) values.get(Setting.HTTP_TOKEN), (String) values.get(Setting.HTTP_TOKEN_FILE)));
    FleetConfig config = FleetConfig.of(values);
    checkTimings(config);
    // Redis deployments (URL, port range, password file, TLS files)
    RedisDeployment.options(config);
    return config;
  }

  /**
   * The configuration file that {@link #load} reads: {@code file} when given (it must be
   * readable), else {@link #DEFAULT_FILE} when it exists (then it must be valid, like any other),
   * else none ({@code null}). Only a missing default file is ignored.
   */
  public static Path fileToRead(Path file) {
    if (file != null) {
      if (!Files.isReadable(file) || Files.isDirectory(file)) {
        throw new ConfigException("cannot read config file " + file + ": no such readable file");
      }
      return file;
    }
    if (Files.exists(DEFAULT_FILE)) {
      if (!Files.isReadable(DEFAULT_FILE) || Files.isDirectory(DEFAULT_FILE)) {
        throw new ConfigException("cannot read config file " + DEFAULT_FILE + ": not a readable file");
      }
      return DEFAULT_FILE;
    }
    return null;
  }

  private static JsonObject readFile(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cannot read config file " + path + ": " + firstLine(e));
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("cannot read config file " + path + ": " + firstLine(e));
    }
  }

  /** Only the variables of {@link Setting}: the rest of the environment is none of redfleet's business. */
  private static JsonObject readEnv(Map<String, String> env) {
    Map<String, String> source = env == null ? System.getenv() : env;
    JsonObject json = new JsonObject();
    source.forEach((k, v) -> {
      if (ENV_NAMES.contains(k) && v != null) {
        json.put(k, v);
      }
    });
    return json;
  }

  private static String firstLine(Exception e) {
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable");
  }

  static Object parse(Setting s, Object raw, String source) {
    String where = " (from " + source + ")";
    switch (s.kind) {
      case TEXT, NAME -> {
        if (!(raw instanceof String text)) {
          boolean secret = s == Setting.REDIS_PASSWORD || s == Setting.REDIS_SENTINEL_PASSWORD || s == Setting.HTTP_TOKEN;
          throw new ConfigException(s.key + " must be text, got " + (secret ? "another type" : describe(raw)) + where);
        }
        if (text.length() > s.max) {
          throw new ConfigException(s.key + " is too long: " + text.length() + " characters, at most " + s.max + where);
        }
        if (s.kind == Setting.Kind.NAME && !text.isEmpty() && !text.matches("[A-Za-z0-9._\\-:@]+")) {
          throw new ConfigException(s.key + " may only hold letters, digits and . _ - : @, got '" + RedisUrls.redact(text) + "'" + where);
        }
        if (s.kind == Setting.Kind.NAME && text.isEmpty() && s != Setting.NODE_ID) {
          throw new ConfigException(s.key + " must not be empty" + where);
        }
        if (s == Setting.REDIS_URL && !text.matches("(redis|rediss|redis-sentinel|rediss-sentinel|redis-cluster|rediss-cluster|unix)://.*")) {
          throw new ConfigException("redisUrl must look like redis://host:port (or rediss://, redis-sentinel://, "
              + "redis-cluster://), got '" + RedisUrls.redact(text) + "'" + where);
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
        if (value < s.min || value > s.max) {
          throw new ConfigException(s.key + " must be between " + s.min + " and " + s.max + ", got " + value + where);
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
        if (!(value >= s.min && value <= s.max)) {
          throw new ConfigException(s.key + " must be between " + s.min + " and " + s.max + ", got " + value + where);
        }
        return value;
      }
      case FLAG -> {
        String text = String.valueOf(raw).trim().toLowerCase(java.util.Locale.ROOT);
        if (raw instanceof Boolean b) {
          return b;
        }
        if (text.matches("true|yes|on|1")) {
          return true;
        }
        if (text.matches("false|no|off|0")) {
          return false;
        }
        throw new ConfigException(s.key + " must be true or false, got " + describe(raw) + where);
      }
      default -> throw new IllegalStateException(s.kind.toString());
    }
  }

  /** A value as typed, quoted for an error message, with any password hidden first. */
  private static String describe(Object raw) {
    return raw instanceof String text ? "'" + RedisUrls.redact(text) + "'" : RedisUrls.redact(String.valueOf(raw));
  }

  private static void checkTimings(FleetConfig c) {
    if (c.renewMs() >= c.leaseMs()) {
      throw new ConfigException("renewMs (" + c.renewMs() + ") must be shorter than leaseMs (" + c.leaseMs() + ")");
    }
    // the leader steps down this long after sending its last successful renewal (ElectionTimings):
    // a renewal period as long leaves it stepping down between any two renewals
    long margin = FleetConfig.stepDownMarginMs(c.leaseMs());
    long stepDownAfter = c.leaseMs() - margin;
    if (c.renewMs() >= stepDownAfter) {
      throw new ConfigException("renewMs (" + c.renewMs() + ") leaves no room before leaseMs (" + c.leaseMs() + "): a leader "
          + "steps down " + stepDownAfter + " ms after sending its last renewal (leaseMs minus a margin of max(50 ms, "
          + "leaseMs / 10) = " + margin + " ms), so renewMs must be below " + Math.max(1, stepDownAfter));
    }
    if (!java.util.Set.of("auto", "true", "false").contains(c.leaderHandlesSetting())) {
      throw new ConfigException("leaderHandles must be auto, true or false, got '" + c.leaderHandlesSetting() + "'");
    }
    if (c.staleMs() <= c.heartbeatMs() * 2L) {
      throw new ConfigException("staleMs (" + c.staleMs() + ") must be more than twice heartbeatMs (" + c.heartbeatMs() + ")");
    }
  }

  /**
   * The bearer token of POST /messages: httpToken, or the first line of httpTokenFile (read now, at
   * start). Both at once is refused rather than one silently winning. Errors never show the token.
   */
  static String httpToken(String token, String file) {
    if (!file.isEmpty()) {
      if (!token.isEmpty()) {
        throw new ConfigException("httpToken and httpTokenFile are both set: give the token one way only");
      }
      token = SecretFile.firstLine("httpTokenFile", file);
    }
    // it travels in an Authorization header: visible ASCII, no spaces
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new ConfigException((file.isEmpty() ? "httpToken" : "the token in httpTokenFile " + file)
          + " may only hold visible ASCII characters (no spaces)");
    }
    return token;
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
