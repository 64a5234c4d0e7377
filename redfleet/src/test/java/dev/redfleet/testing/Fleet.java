package dev.redfleet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A private redis-server and the fleet processes of one multi-process test. */
public final class Fleet implements AutoCloseable {
  public final RedisServer server;
  public final TestRedis redis;
  private final List<String> options;
  private final String url;
  private final Map<String, FleetProcess> nodes = new LinkedHashMap<>();
  private int started;

  /**
   * @param options {@code run} options every node gets
   * @param redisArgs extra redis-server arguments
   */
  public Fleet(List<String> options, String... redisArgs) {
    this.server = RedisServer.start(redisArgs);
    this.redis = new TestRedis(server.url(), "redfleet");
    this.options = options;
    this.url = server.url();
  }

  /**
   * A fleet on a Redis the test set up itself (ACL, TLS, Sentinel, Cluster): nodes connect through
   * {@code url} with {@code options}; {@code server} may be null when the test owns the servers.
   */
  public Fleet(RedisServer server, TestRedis redis, String url, List<String> options) {
    this.server = server;
    this.redis = redis;
    this.options = options;
    this.url = url;
  }

  /** Starts a node {@code node<N>} connected to the fleet's Redis. */
  public FleetProcess start(String... extraOptions) {
    return startVia(url, extraOptions);
  }

  /**
   * Starts a node and waits until it has joined (registered its connection). A JVM takes seconds to
   * start on a busy machine; a test that kills the generator again right away would otherwise find
   * no running follower, now that a dead generator is replaced in milliseconds.
   */
  public FleetProcess startJoined(String... extraOptions) {
    FleetProcess node = start(extraOptions);
    Waits.until(node.name + " to join", Duration.ofSeconds(60),
        () -> redis.call("HGET", redis.keys.anchors(), node.name) != null);
    return node;
  }

  /** Starts a node connected to Redis through {@code url} (a proxy, say). */
  public FleetProcess startVia(String url, String... extraOptions) {
    List<String> all = new ArrayList<>(options);
    all.addAll(List.of(extraOptions));
    return startWith(url, all);
  }

  private FleetProcess startWith(String url, List<String> all) {
    String id = "node" + (++started);
    FleetProcess node = FleetProcess.node(url, id, all);
    nodes.put(id, node);
    return node;
  }

  public FleetProcess node(String id) {
    return nodes.get(id);
  }

  public Map<String, FleetProcess> nodes() {
    return nodes;
  }

  public String leaderToken() {
    return redis.string("GET", redis.keys.leader());
  }

  public static String nodeOf(String token) {
    return token.substring(0, token.lastIndexOf(':'));
  }

  public static long epochOf(String token) {
    return Long.parseLong(token.substring(token.lastIndexOf(':') + 1));
  }

  /** Waits for a generator and returns its lease token. */
  public String awaitLeader() {
    Waits.until("a generator", Duration.ofSeconds(30), () -> leaderToken() != null);
    return leaderToken();
  }

  /** Waits until the lease is held under a token other than {@code oldToken}; returns it. */
  public String awaitNewLeader(String oldToken, Duration limit) {
    String[] now = new String[1];
    Waits.until("a new generator", limit, () -> {
      now[0] = leaderToken();
      return now[0] != null && !now[0].equals(oldToken);
    });
    return now[0];
  }

  /**
   * What a generator SIGKILL led to: the new lease holder, how long until it produced ({@code
   * millis}), until the lease changed hands ({@code leaseMillis}) and until the killed process was
   * gone ({@code killMillis}), all from the kill.
   */
  public record Takeover(String oldToken, String newToken, long millis, long leaseMillis, long killMillis) {}

  /**
   * SIGKILLs the current generator and measures the takeover: from the kill to the first message
   * produced under the new lease (seq advancing after the lease changed hands, which only the new
   * holder can do).
   */
  public Takeover killGeneratorAndTimeTakeover() {
    return killGeneratorAndTimeTakeover(this::seq);
  }

  /**
   * As {@link #killGeneratorAndTimeTakeover()}, with {@code produced} counting the messages produced
   * (with shards: the sum of the shards' seqs).
   */
  public Takeover killGeneratorAndTimeTakeover(java.util.function.LongSupplier produced) {
    String oldToken = leaderToken();
    long killedAt = System.nanoTime();
    node(nodeOf(oldToken)).kill();
    long killMillis = (System.nanoTime() - killedAt) / 1_000_000;
    String newToken = awaitNewLeader(oldToken, Duration.ofSeconds(10));
    long leaseMillis = (System.nanoTime() - killedAt) / 1_000_000;
    long seqAtTakeover = produced.getAsLong();
    Waits.until("the new generator's first message", Duration.ofSeconds(10), () -> produced.getAsLong() > seqAtTakeover);
    return new Takeover(oldToken, newToken, (System.nanoTime() - killedAt) / 1_000_000, leaseMillis, killMillis);
  }

  public long seq() {
    return redis.number("GET", redis.keys.seq());
  }

  /** Messages a node holds: its landing list and the messages of its in-flight records. */
  public long held(String node) {
    return redis.held(node) + redis.number("LLEN", redis.keys.landing(node));
  }

  /**
   * Ends generation and drains: every node leaves (SIGTERM returns its unfinished messages to the
   * queue), then two fresh nodes with {@code --limit} at the current seq finish what is left.
   * Returns the number of messages produced.
   */
  public long stopGeneratingAndDrain(Duration limit) {
    for (FleetProcess node : nodes.values()) {
      if (node.alive()) {
        node.terminate(30);
      }
    }
    long produced = seq();
    // a drain only needs every outcome recorded: its nodes' handler answers at once, whatever delay
    // the test's own nodes had (30,000 queued messages took half a minute through handlers of up to
    // a second)
    List<String> drain = withOption(options, "--max-delay-ms", "0");
    drain.addAll(List.of("--limit", Long.toString(produced)));
    startWith(url, drain);
    startWith(url, drain);
    awaitOutcomes(produced, limit);
    return produced;
  }

  /** {@code options} with {@code name} set to {@code value}: replaced where given, else added. */
  private static List<String> withOption(List<String> options, String name, String value) {
    List<String> changed = new ArrayList<>(options);
    int at = changed.indexOf(name);
    if (at >= 0 && at + 1 < changed.size()) {
      changed.set(at + 1, value);
    } else {
      changed.addAll(List.of(name, value));
    }
    return changed;
  }

  /** Waits until {@code count} outcomes are recorded. */
  public void awaitOutcomes(long count, Duration limit) {
    Waits.until(count + " outcomes (now " + redis.stat("processed") + ")", limit,
        () -> redis.stat("processed") >= count);
  }

  /** Every id from 1 to {@code count} has exactly one recorded outcome, and no other id has one. */
  public void assertEveryIdRecordedOnce(long count) {
    assertThat(redis.stat("duplicates")).as("duplicate outcomes").isZero();
    assertThat(redis.stat("processed")).isEqualTo(count);
    // every audit segment, bit by bit (not the counter status reads)
    BitSet ids = redis.auditedIds();
    assertThat(ids.cardinality()).as("ids with an outcome").isEqualTo((int) count);
    assertThat(ids.nextClearBit(1)).as("first id without an outcome").isEqualTo((int) count + 1);
    assertThat(redis.auditTotal()).as("the audit counter status reads").isEqualTo(count);
  }

  /** getErrors --json as a process: every entry, oldest first; the errors list is then empty. */
  public List<JsonObject> drainErrors() {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("getErrors", "--json", "--redis", server.url()));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r.lines().stream().map(JsonObject::new).toList();
  }

  @Override
  public void close() {
    nodes.values().forEach(FleetProcess::close);
    redis.close();
    if (server != null) {
      server.close();
    }
  }
}
