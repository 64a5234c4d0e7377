package dev.redfleet.redis;

import java.util.List;

/**
 * The smallest Redis ACL rule set a fleet needs ({@code run}, {@code status}, {@code getErrors},
 * {@code requeue-errors}, {@code pause}, {@code resume}):
 * the commands the clients send, and every command the Lua scripts call (ACLs apply inside
 * scripts too). Documented in docs/DEPLOYMENTS.md and tested with a real fleet run.
 */
public final class AclRules {
  private AclRules() {}

  /**
   * Commands the Java side sends: connection setup, scripts, the blocking pop, WAIT, getErrors' and
   * the live page's reads, the Redis clock (TIME), the memory-policy check (INFO), and the anchor
   * connection that binds a node's liveness to its connection (CLIENT ID / SETNAME / LIST; without
   * them a dead process is noticed by the timeouts only).
   */
  public static final List<String> CLIENT_COMMANDS = List.of(
      "hello", "auth", "select", "ping", "evalsha", "eval", "blmove", "wait", "llen", "lrange",
      "time", "info", "client|id", "client|setname", "client|list", "hset", "hgetall");

  /** Commands called inside the scripts under src/main/resources/lua/. */
  public static final List<String> SCRIPT_COMMANDS = List.of(
      "time", "type", "get", "set", "del", "exists", "incr", "pexpire", "pttl", "getrange", "setrange", "getbit",
      "bitfield", "bitfield_ro", "lpush", "rpush", "lpop", "rpop", "lrem", "llen", "lrange",
      "hget", "hset", "hmget", "hgetall", "hdel", "hincrby", "hlen", "hvals", "hkeys",
      "zadd", "zrem", "zcard", "zrange", "zrangebyscore", "zscore", "zremrangebyscore", "info");

  /** {@code ACL SETUSER <user> on >password <rules(namespace)>} gives a user exactly what the fleet needs. */
  public static String rules(String namespace) {
    return rules(namespace, 1);
  }

  /**
   * As {@link #rules(String)} for a namespace of {@code shards}: with more than one, the shards'
   * keys ({@code {<namespace>/<s>.<k>}:...}) too. The commands are the same: a sharded node also
   * sends ZADD (each shard's copy of the members), ZREM, SET and DEL (the pause's copies), which
   * the scripts need anyway.
   */
  public static String rules(String namespace, int shards) {
    String keys = "~{" + namespace + "}:*" + (shards > 1 ? " ~{" + namespace + "/*}:*" : "");
    StringBuilder b = new StringBuilder("resetkeys " + keys + " resetchannels -@all");
    CLIENT_COMMANDS.stream().distinct().forEach(c -> b.append(" +").append(c));
    SCRIPT_COMMANDS.stream().filter(c -> !CLIENT_COMMANDS.contains(c)).forEach(c -> b.append(" +").append(c));
    return b.toString();
  }
}
