package dev.redfleet.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who may POST on the node's HTTP port. With an {@code httpToken}: whoever sends
 * {@code Authorization: Bearer <token>}. Without one: only a port bound to a loopback address is
 * open, and only to requests whose Host names a loopback host: a web page the user visits can
 * reach 127.0.0.1 too, but its Host header then names its own site (DNS rebinding), and the
 * required JSON content type (see {@link MessagesEndpoint}) makes a browser ask first (CORS),
 * which nothing here answers.
 *
 * <p>The token is kept as its SHA-256 digest only, and a presented token is compared digest to
 * digest with {@link MessageDigest#isEqual}: the time taken tells neither the content nor the
 * length of the token.
 */
public final class PostAccess {
  /** A refusal: the status, the one-line reason, and whether a Bearer challenge goes with it. */
  public record Refusal(int status, String reason, boolean challenge) {}

  static final String NEEDS_TOKEN =
      "POST /messages needs httpToken when the HTTP port is not bound to loopback";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final byte[] tokenDigest;
  private final String bindHost;
  private final boolean loopbackBound;

  /**
   * @param token the bearer token; empty for none
   * @param bindHost the address the HTTP port is bound to ({@code httpHost})
   */
  public PostAccess(String token, String bindHost) {
    this.tokenDigest = token.isEmpty() ? null : sha256(token);
    this.bindHost = bindHost;
    this.loopbackBound = isLoopback(bindHost);
  }

  public boolean tokenRequired() {
    return tokenDigest != null;
  }

  /** Whether POST is refused to everyone: no token and a port that is not bound to loopback. */
  public boolean closed() {
    return tokenDigest == null && !loopbackBound;
  }

  /** What the node says about POST /messages when it starts. */
  public String describe() {
    if (tokenRequired()) {
      return "POST /messages needs Authorization: Bearer <httpToken>";
    }
    return closed()
        ? NEEDS_TOKEN + " (bound to " + bindHost + "): it answers 403 until httpToken or httpTokenFile is set"
        : "POST /messages is open to loopback clients without a token (no httpToken set)";
  }

  /**
   * Why this request may not POST, or null when it may.
   *
   * @param authorization the Authorization header, or null
   * @param host the host named by the request (Host header or HTTP/2 authority), or null
   */
  public Refusal check(String authorization, String host) {
    if (tokenDigest != null) {
      if (authorization == null) {
        return new Refusal(401, "missing Authorization: Bearer <httpToken>", true);
      }
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return new Refusal(401, "Authorization must be Bearer <httpToken>", true);
      }
      if (!MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).strip()))) {
        return new Refusal(401, "wrong bearer token", true);
      }
      return null;
    }
    if (!loopbackBound) {
      return new Refusal(403, NEEDS_TOKEN, false);
    }
    if (host != null && !isLoopback(host)) {
      return new Refusal(403, "without httpToken, POST /messages only accepts Host: localhost or a loopback address", false);
    }
    return null;
  }

  /**
   * Whether {@code host} is a loopback name or address: {@code localhost}, 127.0.0.0/8, ::1 (with or
   * without brackets). Never a DNS lookup: any other name counts as not loopback.
   */
  public static boolean isLoopback(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost")) {
      return true;
    }
    if (IPV4.matcher(h).matches()) {
      String[] octets = h.split("\\.");
      for (String octet : octets) {
        if (Integer.parseInt(octet) > 255) {
          return false;
        }
      }
      return Integer.parseInt(octets[0]) == 127;
    }
    if (!h.contains(":") || !h.matches("[0-9a-f:.]+")) {
      return false;
    }
    try {
      // brackets make it an IPv6 literal to Java: parsed or refused, never looked up in DNS
      return InetAddress.getByName("[" + h + "]").isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
