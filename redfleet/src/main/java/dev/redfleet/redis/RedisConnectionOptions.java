package dev.redfleet.redis;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and how to reach Redis: the topology (one server, Sentinel, Cluster), its endpoints, the
 * credentials, TLS and the replica acknowledgement asked for after a durable write. What a user
 * sees of Redis; {@link RedisConnector} turns it into clients. {@link #toString()} never shows a
 * secret; a text that may quote one (a failure's message) goes through
 * {@link dev.redfleet.config.RedisUrls#redact}, which hides secrets by the text's structure.
 *
 * <p>URL forms: {@code redis[s]://[user[:password]@]host:port[/db]},
 * {@code redis[s]-sentinel://[user[:password]@]host:port,host:port[/db]} (the sentinels; the
 * master name is a setting) and {@code redis[s]-cluster://[user[:password]@]host:port,host:port}
 * (seed nodes).
 */
public record RedisConnectionOptions(
    Topology topology,
    List<HostPort> endpoints,
    String user,
    String password,
    int db,
    boolean tls,
    String tlsCaFile,
    String tlsCertFile,
    String tlsKeyFile,
    boolean tlsVerifyHostname,
    String masterName,
    String sentinelPassword,
    int waitReplicas,
    int waitTimeoutMs,
    String unixSocket) {

  /** One class per topology behind {@link RedisConnector#create}. */
  public enum Topology { STANDALONE, SENTINEL, CLUSTER }

  public record HostPort(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private static final Pattern URL = Pattern.compile("(redis|rediss)(-sentinel|-cluster)?://(?:([^@/]*)@)?([^/?#]*)(?:/([^?#]*))?");
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+)(?::(-?\\d+))?");

  /** The URL's topology, endpoints, user, password and db; the other fields at their defaults. */
  public static RedisConnectionOptions parse(String url) {
    if (url.startsWith("unix://")) {
      checkUnixSocket(url);
      return new RedisConnectionOptions(Topology.STANDALONE, List.of(), null, null, 0, false, null, null, null, true,
          "mymaster", null, 0, 1000, url);
    }
    Matcher m = URL.matcher(url);
    if (!m.matches()) {
      throw new IllegalArgumentException("must look like redis://host:port, rediss://host:port, "
          + "redis-sentinel://host:port,host:port or redis-cluster://host:port,host:port");
    }
    boolean tls = m.group(1).equals("rediss");
    Topology topology = m.group(2) == null ? Topology.STANDALONE
        : m.group(2).equals("-sentinel") ? Topology.SENTINEL : Topology.CLUSTER;
    String user = null;
    String password = null;
    if (m.group(3) != null) {
      String info = m.group(3);
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
      if (user.isEmpty()) {
        user = null;
      }
      if (password != null && password.isEmpty()) {
        password = null;
      }
    }
    List<HostPort> endpoints = new ArrayList<>();
    for (String part : m.group(4).split(",", -1)) {
      Matcher hp = HOST_PORT.matcher(part.trim());
      if (!hp.matches()) {
        throw new IllegalArgumentException("'" + part.trim() + "' is not host:port");
      }
      String host = hp.group(1).startsWith("[") ? hp.group(1).substring(1, hp.group(1).length() - 1) : hp.group(1);
      int port = topology == Topology.SENTINEL ? 26379 : 6379;
      if (hp.group(2) != null) {
        long p = hp.group(2).length() > 9 ? Long.MAX_VALUE : Long.parseLong(hp.group(2));
        if (p < 1 || p > 65535) {
          throw new IllegalArgumentException("port " + hp.group(2) + " is out of range (1-65535)");
        }
        port = (int) p;
      }
      endpoints.add(new HostPort(host, port));
    }
    if (topology == Topology.STANDALONE && endpoints.size() != 1) {
      throw new IllegalArgumentException("a redis:// URL names one server; use redis-sentinel:// or redis-cluster:// for several");
    }
    int db = 0;
    String path = m.group(5);
    if (path != null && !path.isEmpty()) {
      if (!path.matches("\\d{1,5}")) {
        throw new IllegalArgumentException("the database index '" + path + "' must be a number");
      }
      if (topology == Topology.CLUSTER && Integer.parseInt(path) != 0) {
        throw new IllegalArgumentException("Redis Cluster has only database 0");
      }
      db = Integer.parseInt(path);
    }
    return new RedisConnectionOptions(topology, List.copyOf(endpoints), user, password, db, tls, null, null, null, true,
        "mymaster", null, 0, 1000, null);
  }

  /**
   * A unix socket URL must name the socket by its absolute path, {@code unix:///path/to/redis.sock}
   * (optionally {@code unix://[user:password@]/path[?db=N]}): the Redis client cannot parse
   * {@code unix://} alone, and reads {@code unix://tmp/redis.sock} as host "tmp" and socket
   * "/redis.sock".
   */
  private static void checkUnixSocket(String url) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      uri = null;
    }
    String path = uri == null ? null : uri.getPath();
    if (path == null || path.length() < 2 || !path.startsWith("/") || uri.getHost() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("a unix socket URL must name the socket's absolute path, "
          + "like unix:///var/run/redis/redis.sock");
    }
  }

  /** A copy with the settings that are not part of the URL. A password in the URL wins over {@code password}. */
  public RedisConnectionOptions with(String password, String tlsCaFile, String tlsCertFile, String tlsKeyFile,
                                     boolean tlsVerifyHostname, String masterName, String sentinelPassword,
                                     int waitReplicas, int waitTimeoutMs) {
    return new RedisConnectionOptions(topology, endpoints, user, this.password != null ? this.password : blankToNull(password),
        db, tls, blankToNull(tlsCaFile), blankToNull(tlsCertFile), blankToNull(tlsKeyFile), tlsVerifyHostname,
        masterName, blankToNull(sentinelPassword), waitReplicas, waitTimeoutMs, unixSocket);
  }

  /** The Vert.x connection string of one endpoint, with the given credentials (may be null). */
  String connectionString(HostPort endpoint, String user, String password, int db) {
    StringBuilder b = new StringBuilder(tls ? "rediss://" : "redis://");
    if (password != null) {
      b.append(user == null ? "" : encode(user)).append(':').append(encode(password)).append('@');
    } else if (user != null) {
      b.append(encode(user)).append('@');
    }
    b.append(endpoint);
    if (db != 0) {
      b.append('/').append(db);
    }
    return b.toString();
  }

  /** What may be printed: the URL without secrets, plus the topology's own settings. */
  public String describe() {
    if (unixSocket != null) {
      return unixSocket;
    }
    String scheme = (tls ? "rediss" : "redis") + switch (topology) {
      case STANDALONE -> "";
      case SENTINEL -> "-sentinel";
      case CLUSTER -> "-cluster";
    };
    StringBuilder b = new StringBuilder(scheme).append("://");
    if (user != null) {
      b.append(user).append(password != null ? ":***" : "").append('@');
    } else if (password != null) {
      b.append(":***@");
    }
    b.append(String.join(",", endpoints.stream().map(HostPort::toString).toList()));
    if (db != 0) {
      b.append('/').append(db);
    }
    if (topology == Topology.SENTINEL) {
      b.append(" (master '").append(masterName).append("')");
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return describe();
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
