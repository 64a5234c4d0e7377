package dev.redfleet.redis;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Tells a Redis that is merely down (ride it out) from one that refuses us for good: credentials,
 * ACL permissions, TLS, a database that does not exist. Retrying those only floods the logs.
 */
public final class RedisFailures {
  /** What kind of permanent refusal; decides the exit code. */
  public enum Kind {
    /** NOAUTH, WRONGPASS, NOPERM, TLS: exit 4. */
    REFUSED,
    /** A setting that cannot work with this server (a database index out of range): exit 2. */
    BAD_CONFIG
  }

  /** A permanent failure, with a one-line explanation free of secrets. */
  public record Permanent(Kind kind, String reason) {}

  private static final Pattern NOPERM_COMMAND = Pattern.compile("'([A-Za-z|_-]+)' command");
  private static volatile Consumer<Permanent> onPermanent = p -> {};

  private RedisFailures() {}

  /**
   * The error reply in a failure's causes (the client's ErrorType, a Throwable that is no
   * Exception): Redis answered, with an error (a wrong-typed key, a refused command), as opposed to
   * not answering at all. Null when there is none.
   */
  public static Throwable errorReply(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getSimpleName().equals("ErrorType")) {
        return t;
      }
    }
    return null;
  }

  /**
   * The connection went away with the call on it (the Redis client fails what was pending with an
   * error of kind CONNECTION_CLOSED): Redis did not answer, whatever the failure's type says. The
   * call may or may not have run.
   */
  public static boolean connectionLost(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = t.getMessage();
      if (text != null && text.startsWith("CONNECTION_CLOSED")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whom to tell about a permanent failure met by a long-running activity (see
   * {@link Backoff#failed}); {@code run} exits on it.
   */
  public static void onPermanent(Consumer<Permanent> handler) {
    onPermanent = handler;
  }

  static void report(Permanent p) {
    onPermanent.accept(p);
  }

  public static Optional<Permanent> permanent(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SentinelMasterClient.SentinelRefused) {
        return sentinelRefused(t);
      }
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (m.startsWith("NOAUTH")) {
        return refused("Redis requires authentication and no password was given: set redisPassword, "
            + "REDIS_PASSWORD, redisPasswordFile or put it in the URL");
      }
      if (m.startsWith("WRONGPASS")) {
        return refused("Redis refused the credentials: wrong user name or password, or the ACL user is disabled");
      }
      if (m.startsWith("NOPERM")) {
        Matcher c = NOPERM_COMMAND.matcher(m);
        if (c.find()) {
          String command = c.group(1).toLowerCase();
          return refused("the Redis ACL user may not run '" + command + "': add the rule +" + command
              + " to it (the rules the fleet needs are in docs/DEPLOYMENTS.md)");
        }
        if (m.contains("key")) {
          return refused("the Redis ACL user may not use the fleet's keys: add the rule ~{<namespace>}:* to it");
        }
        return refused("the Redis ACL user lacks a permission: " + firstLine(m));
      }
      if (m.contains("The user executing the script can't run this command")) {
        // Redis 7.0 names the script and the line, not the command: find the command ourselves
        Optional<ScriptLine> at = scriptLine(m);
        String script = at.map(a -> "'" + a.script().fileName() + "'").orElse("(unknown)");
        Optional<String> command = at.flatMap(a -> a.script().commandAtLine(a.line()));
        if (command.isPresent()) {
          return refused("the Redis ACL user may not run '" + command.get() + "' (called by the fleet's script "
              + script + "): add the rule +" + command.get() + " to it (the rules the fleet needs are in docs/DEPLOYMENTS.md)");
        }
        return refused("the Redis ACL user may not run a command the fleet's script " + script
            + " calls: give it the rules in docs/DEPLOYMENTS.md");
      }
      if (m.contains("The user executing the script can't access at least one of the keys")) {
        return refused("the Redis ACL user may not use the fleet's keys: add the rule ~{<namespace>}:* to it");
      }
      if (m.contains("DB index is out of range") || m.contains("invalid DB index")) {
        return Optional.of(new Permanent(Kind.BAD_CONFIG,
            "the database index in the Redis URL does not exist on this server (" + firstLine(m) + ")"));
      }
      if (t instanceof SSLException) {
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null && chain.length() < 4000; c = c.getCause() == c ? null : c.getCause()) {
          chain.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return refused(tls(chain.toString()));
      }
    }
    return Optional.empty();
  }

  /**
   * A setting that cannot work now but may start to work without a restart (the sentinels do not
   * know the master name, until someone adds it to them): one-shot commands end on it as bad
   * configuration (exit 2), while {@code run} keeps retrying and says so now and then. Not a
   * {@link #permanent} failure, which would end {@code run}.
   */
  public static Optional<String> misconfigured(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SentinelMasterClient.UnknownMaster) {
        return Optional.of(t.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The sentinels, not the master, refused us: their own password is the one to check. */
  private static Optional<Permanent> sentinelRefused(Throwable refused) {
    String m = refused.getCause() == null || refused.getCause().getMessage() == null ? "" : refused.getCause().getMessage();
    String where = firstLine(refused.getMessage().substring(0, refused.getMessage().indexOf(':')));
    if (m.startsWith("NOAUTH")) {
      return refused("the sentinels require a password of their own and none was given: set redisSentinelPassword, "
          + "REDIS_SENTINEL_PASSWORD or --redis-sentinel-password (" + where + ")");
    }
    if (m.startsWith("WRONGPASS")) {
      return refused("the sentinels refused the sentinel password (redisSentinelPassword) (" + where + ")");
    }
    Optional<Permanent> other = permanent(refused.getCause());
    return other.map(p -> new Permanent(p.kind(), "the sentinels refused us: " + p.reason() + " (" + where + ")"));
  }

  private static final Pattern SCRIPT_LINE = Pattern.compile("script: ([0-9a-fA-F]{40}), on @user_script:(\\d+)");

  /** Where in which of our scripts Redis refused a call. */
  private record ScriptLine(Script script, int line) {}

  private static Optional<ScriptLine> scriptLine(String message) {
    Matcher m = SCRIPT_LINE.matcher(message);
    if (!m.find()) {
      return Optional.empty();
    }
    int line = Integer.parseInt(m.group(2));
    return Script.bySha(m.group(1)).map(s -> new ScriptLine(s, line));
  }

  private static String tls(String m) {
    String lower = m.toLowerCase();
    if (lower.contains("pkix") || lower.contains("certification path") || lower.contains("unable to find valid")) {
      return "TLS: the Redis server's certificate is not trusted: set redisTlsCaFile to the CA that signed it";
    }
    if (lower.contains("subject alternative") || lower.contains("no name matching") || lower.contains("hostname")) {
      return "TLS: the Redis server's certificate does not name the host in the URL "
          + "(connect by a name it holds, or set redisTlsVerifyHostname=false)";
    }
    if (lower.contains("certificate_required") || lower.contains("bad_certificate") || lower.contains("unknown_ca")
        || lower.contains("certificate_unknown") || lower.contains("handshake_failure")) {
      return "TLS: the Redis server refused our client certificate: set redisTlsCertFile and redisTlsKeyFile "
          + "to a certificate its CA signed";
    }
    if (lower.contains("handshake timed out")) {
      return "TLS: the server did not answer the TLS handshake: is this a TLS port? (use redis:// for a plain one)";
    }
    if (lower.contains("not an ssl/tls record") || lower.contains("unrecognized ssl message")
        || lower.contains("plaintext")) {
      return "TLS: the server at this port does not speak TLS: use redis:// instead of rediss://";
    }
    return "TLS handshake with Redis failed: " + firstLine(m).replace(" | ", "; ");
  }

  private static Optional<Permanent> refused(String reason) {
    return Optional.of(new Permanent(Kind.REFUSED, reason));
  }

  private static String firstLine(String m) {
    return m.lines().findFirst().orElse(m);
  }
}
