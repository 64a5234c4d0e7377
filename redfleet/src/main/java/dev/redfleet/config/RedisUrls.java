package dev.redfleet.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of anything printed. {@link #redact} takes any text (a URL as typed, or a
 * whole message that quotes one) and hides every credential a Redis URL can carry, in every form
 * a user may type it: any scheme in any case ({@code REDIS://}, {@code rediss://},
 * {@code redis-sentinel://}, {@code unix://}), with or without a user, a password holding
 * {@code @} or {@code :}, surrounding spaces or quotes, a query {@code password=}, or no scheme at
 * all ({@code :pw@host}), and the value of every setting that holds a secret wherever it is
 * quoted with its name ({@code --redis-password x}, {@code REDIS_PASSWORD=x},
 * {@code "redisSentinelPassword": "x"}, the HTTP token's). It errs on the side of hiding too much.
 *
 * <p>It works on the text's structure only: a secret's value is never searched for as plain text,
 * which would hide every word that happens to contain it (a password {@code e} turned every "e"
 * of a message into {@code ***}, and {@code wrong} made "wrong user name" read "*** user name").
 */
public final class RedisUrls {
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.\\-]*://");
  private static final Pattern QUERY_SECRET =
      Pattern.compile("(?i)(^|[?&;,\\s'\"])(password|pass|pwd|passwd|auth|secret|token)=([^&\\s'\"]*)");
  /**
   * An option that holds a secret, as typed on a command line, then its value (after {@code =} or
   * a space). An option that goes on ({@code --redis-password-file}) is another one, and a "value"
   * that opens a parenthesis or is another option is prose ("or --redis-sentinel-password (...)").
   */
  private static final Pattern SECRET_OPTION = Pattern.compile("(?i)(?<![\\w-])(--redis-password|--redis-sentinel-password"
      + "|--http-token)(?![\\w-])(=|\\s+(?=[^\\s(\\-]))(\"[^\"]*\"|'[^']*'|[^\\s\"',]+)");
  /**
   * An environment variable or file key that holds a secret, then {@code =} or {@code :} and its
   * value, optionally quoted (JSON). A name that goes on ({@code redisPasswordFile}) is another
   * setting; a name followed by prose has no value.
   */
  private static final Pattern SECRET_SETTING = Pattern.compile("(?i)(?<![\\w-])(redis_password|redis_sentinel_password"
      + "|redfleet_http_token|redisPassword|redisSentinelPassword|httpToken)(?![\\w-])(\"?\\s*[=:]\\s*)"
      + "(\"[^\"]*\"|'[^']*'|[^\\s\"',}&]+)");
  /** user:secret@ or :secret@ with no scheme before it. */
  private static final Pattern BARE_USERINFO = Pattern.compile("(^|[\\s'\"(=])([^\\s'\"/@:]*):(?!//)([^\\s'\"]*)@");

  private RedisUrls() {}

  /** {@code redis://user:secret@host:6379/0} becomes {@code redis://user:***@host:6379/0}. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = redactAuthorities(text);
    out = QUERY_SECRET.matcher(out).replaceAll("$1$2=***");
    out = BARE_USERINFO.matcher(out).replaceAll("$1$2:***@");
    out = SECRET_OPTION.matcher(out).replaceAll("$1$2***");
    out = SECRET_SETTING.matcher(out).replaceAll("$1$2***");
    return out;
  }

  /**
   * After each {@code scheme://}, everything up to the last {@code @} before the next quote, the
   * next scheme or the end is the user information: the user stays, the password goes.
   */
  private static String redactAuthorities(String text) {
    StringBuilder out = new StringBuilder();
    Matcher scheme = SCHEME.matcher(text);
    int copied = 0;
    while (scheme.find(copied)) {
      int start = scheme.end();
      int end = text.length();
      Matcher next = SCHEME.matcher(text);
      if (next.find(start)) {
        end = next.start();
      }
      for (int i = start; i < end; i++) {
        char c = text.charAt(i);
        if (c == '\'' || c == '"') {
          end = i;
          break;
        }
      }
      int at = text.lastIndexOf('@', end - 1);
      out.append(text, copied, start);
      if (at >= start) {
        String userInfo = text.substring(start, at);
        int colon = userInfo.indexOf(':');
        out.append(colon >= 0 ? userInfo.substring(0, colon) + ":***" : "***");
        copied = at;
      } else {
        copied = start;
      }
    }
    out.append(text, copied, text.length());
    return out.toString();
  }
}
