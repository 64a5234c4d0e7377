package dev.redfleet.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Lua scripts under {@code src/main/resources/lua/}, one per operation. */
public enum Script {
  ACQUIRE_LEASE("acquire-lease"),
  RENEW_LEASE("renew-lease"),
  RELEASE_LEASE("release-lease"),
  PRODUCE("produce"),
  // a sharded namespace: a new generator raises every shard's fence
  FENCE("fence"),
  CLAIM("claim"),
  UNLAND("unland"),
  FINISH("finish"),
  // finish and the next claim in one call (lib/finish-outcomes.lua, lib/claim-batch.lua)
  FINISH_CLAIM("finish-claim"),
  HEARTBEAT("heartbeat"),
  STALE_NODES("stale-nodes"),
  REQUEUE_NODE("requeue-node"),
  LEAVE("leave"),
  FORGET_LEFT("forget-left"),
  ERRORS_CLAIM("errors-claim"),
  ERRORS_ACK("errors-ack"),
  ERRORS_RECOVER("errors-recover"),
  STATUS("status"),
  // the audit's retention
  AUDIT_PRUNE("audit-prune"),
  // retries
  RETRY_DUE("retry-due"),
  // liveness
  LEASE_ANCHOR("lease-anchor"),
  LEASE_BIND("lease-bind"),
  LEASE_TAKEOVER("lease-takeover"),
  ANCHOR_SWAP("anchor-swap"),
  // Redis deployments: floors, the dataset marker, durable ids
  FLOORS("floors"),
  RESERVE("reserve"),
  REQUEUE_STRANDED("requeue-stranded"),
  // messages in
  SEND("send"),
  REQUEUE_ERROR("requeue-error"),
  // the live page's delete action
  DELETE_ERROR("delete-error"),
  // the namespace's data format
  FORMAT("format"),
  // operations: pause and resume
  PAUSE("pause"),
  RESUME("resume");

  private final String fileName;
  private final String source;
  private final String sha;

  Script(String name) {
    this.fileName = name + ".lua";
    this.source = expandIncludes(read("/lua/" + fileName));
    this.sha = sha1(source);
  }

  /**
   * Replaces each line {@code --#include NAME} with {@code lua/lib/NAME.lua}: Redis has no
   * modules for scripts, so code that several scripts share (the key-type checks) lives in one
   * file and is pasted in here, before the SHA is computed.
   */
  static String expandIncludes(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (String line : text.split("\n", -1)) {
      if (line.startsWith(INCLUDE)) {
        out.append(read("/lua/lib/" + line.substring(INCLUDE.length()).trim() + ".lua"));
      } else {
        out.append(line).append('\n');
      }
    }
    return out.substring(0, out.length() - 1);
  }

  private static final String INCLUDE = "--#include ";

  public String fileName() {
    return fileName;
  }

  public String source() {
    return source;
  }

  /** The SHA1 Redis knows the script by, computed here so no round trip is needed to learn it. */
  public String sha() {
    return sha;
  }

  private static final java.util.regex.Pattern CALL =
      java.util.regex.Pattern.compile("redis\\.p?call\\(\\s*'([A-Za-z]+)'");

  /** The script Redis knows by this SHA, if it is one of ours. */
  public static java.util.Optional<Script> bySha(String sha) {
    for (Script s : values()) {
      if (s.sha.equalsIgnoreCase(sha)) {
        return java.util.Optional.of(s);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * The Redis command called on line {@code line} (1-based, as Redis counts it in error replies) of
   * the script as sent, in lower case: Redis 7.0 names the line, not the command, when an ACL
   * refuses a call inside a script.
   */
  public java.util.Optional<String> commandAtLine(int line) {
    String[] lines = source.split("\n", -1);
    if (line < 1 || line > lines.length) {
      return java.util.Optional.empty();
    }
    java.util.regex.Matcher m = CALL.matcher(lines[line - 1]);
    return m.find() ? java.util.Optional.of(m.group(1).toLowerCase(java.util.Locale.ROOT)) : java.util.Optional.empty();
  }

  private static String read(String resource) {
    try (InputStream in = Script.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
