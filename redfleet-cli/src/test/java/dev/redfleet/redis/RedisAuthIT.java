package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A real redis-server with {@code requirepass} and an ACL user holding exactly
 * {@link AclRules#rules}: every credential problem ends a command with one line, exit 4 (2 for a
 * database that does not exist or a port out of range), never a stack trace and never the secret;
 * the documented rule set runs a whole fleet; a user missing one rule stops {@code run} at once.
 *
 * <p>The cases run side by side (none has an upper timing bound; most of their time is one-shot
 * JVMs starting), except that the three that write to namespace {@code redfleet} on the shared
 * server (the fleet of the documented rule set, the nodes refused at start, the errors entry of the
 * getErrors case) hold {@link #REDFLEET_NAMESPACE}: they run one at a time. The others only read
 * it, or work in namespace {@code sharded}.
 */
class RedisAuthIT {
  /** Held by the cases that write to namespace redfleet on the shared server. */
  private static final String REDFLEET_NAMESPACE = "RedisAuthIT namespace redfleet";
  private static final String ADMIN_PASSWORD = "Adm1n-Zq7x";
  private static final String FLEET_PASSWORD = "Fl33t-Kp4w";
  private static RedisServer server;
  private static TestRedis admin;

  @BeforeAll
  static void start() {
    server = RedisServer.start("--requirepass", ADMIN_PASSWORD);
    admin = new TestRedis("redis://:" + ADMIN_PASSWORD + "@127.0.0.1:" + server.port(), "redfleet");
    List<Object> setuser = new ArrayList<>(List.of("SETUSER", "fleet", "reset", "on", ">" + FLEET_PASSWORD));
    setuser.addAll(List.of(AclRules.rules("redfleet").split(" ")));
    admin.call("ACL", setuser.toArray());
    admin.call("ACL", "SETUSER", "noblmove", "reset", "on", ">" + FLEET_PASSWORD);
    List<Object> noblmove = new ArrayList<>(List.of("SETUSER", "noblmove"));
    noblmove.addAll(List.of(AclRules.rules("redfleet").replace(" +blmove", "").split(" ")));
    admin.call("ACL", noblmove.toArray());
    // may connect and run the fleet's client commands, but not the one a getErrors script calls to register its reader
    admin.call("ACL", "SETUSER", "nozadd", "reset", "on", ">" + FLEET_PASSWORD);
    List<Object> nozadd = new ArrayList<>(List.of("SETUSER", "nozadd"));
    nozadd.addAll(List.of(AclRules.rules("redfleet").replace(" +zadd", "").split(" ")));
    admin.call("ACL", nozadd.toArray());
    admin.call("ACL", "SETUSER", "disabled", "reset", "off", ">" + FLEET_PASSWORD, "+@all", "~*");
    List<Object> sharded = new ArrayList<>(List.of("SETUSER", "shardfleet", "reset", "on", ">" + FLEET_PASSWORD));
    // its own namespace: the server is shared with the one-shard tests, and a namespace keeps its shard count
    sharded.addAll(List.of(AclRules.rules("sharded", SHARDS).split(" ")));
    admin.call("ACL", sharded.toArray());
  }

  private static final int SHARDS = 3;

  @AfterAll
  static void stop() {
    admin.close();
    server.close();
  }

  private static String url(String userInfo) {
    return "redis://" + userInfo + "127.0.0.1:" + server.port();
  }

  private static FleetProcess.Result status(String url, String... more) {
    List<String> args = new ArrayList<>(List.of("status", "--redis", url));
    args.addAll(List.of(more));
    return FleetProcess.oneShot(args);
  }

  private static void assertOneLine(FleetProcess.Result r, int exit, String expected) {
    r.assertOneLineError(exit, expected, ADMIN_PASSWORD, FLEET_PASSWORD);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void noPasswordWrongPasswordDisabledUserMissingDatabaseAndBadPortEachGetOneLineAndTheirExitCode() {
    assertOneLine(status(url("")), 4, "requires authentication");
    assertOneLine(status(url(":Wr0ng-Pass@")), 4, "refused the credentials");
    assertOneLine(status(url("fleet:Wr0ng-Pass@")), 4, "refused the credentials");
    assertOneLine(status(url("disabled:" + FLEET_PASSWORD + "@")), 4, "refused the credentials");
    assertOneLine(status(url(":" + ADMIN_PASSWORD + "@") + "/99"), 2, "database index");
    assertOneLine(status("redis://127.0.0.1:99999"), 2, "port 99999 is out of range");
    assertOneLine(status("redis://:" + ADMIN_PASSWORD + "@127.0.0.1:0"), 2, "out of range");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void thePasswordMayComeFromTheEnvironmentOrAFileInsteadOfTheCommandLine() throws Exception {
    FleetProcess.Result env = FleetProcess.oneShot(List.of("status", "--redis", url("fleet@")),
        Map.of("REDIS_PASSWORD", FLEET_PASSWORD));
    assertThat(env.exitCode()).as(env.stderr()).isZero();
    assertThat(env.stdout()).contains("audit").doesNotContain(FLEET_PASSWORD);

    Path file = Files.createTempFile("redis-password", ".txt");
    Files.writeString(file, FLEET_PASSWORD + "\n");
    FleetProcess.Result fromFile = status(url("fleet@"), "--redis-password-file", file.toString());
    assertThat(fromFile.exitCode()).as(fromFile.stderr()).isZero();

    Files.writeString(file, "Wr0ng-Pass\n");
    assertOneLine(status(url("fleet@"), "--redis-password-file", file.toString()), 4, "refused the credentials");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aShardedNamespaceRunsWithTheShardedRuleSetWhichTheOneShardRulesDoNotCover() {
    String fleetUrl = url("shardfleet:" + FLEET_PASSWORD + "@");
    long limit = 600;
    Shards shards = new Shards(new Keys("sharded"), SHARDS);
    try (Fleet fleet = new Fleet(null, new TestRedis(url(":" + ADMIN_PASSWORD + "@"), "sharded"), fleetUrl, List.of(
        "--namespace", "sharded", "--shards", Integer.toString(SHARDS), "--interval-ms", "0", "--batch-size", "50", "--limit", Long.toString(limit),
        "--max-delay-ms", "20", "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500"))) {
      FleetProcess a = fleet.start();
      FleetProcess b = fleet.start();
      java.util.function.LongSupplier processed = () -> shards.all().stream().mapToLong(k -> fleet.redis.stat(k, "processed")).sum();
      dev.redfleet.testing.Waits.until(limit + " outcomes", Duration.ofSeconds(90), () -> processed.getAsLong() >= limit);
      for (int s = 0; s < SHARDS; s++) {
        Keys shard = shards.shard(s);
        assertThat(fleet.redis.auditedIds(shard).cardinality()).as("shard " + s).isEqualTo((int) shards.shardLimit(s, limit));
        assertThat(fleet.redis.stat(shard, "duplicates")).isZero();
      }
      // pause and resume write every shard's copy with the same rules
      for (String command : List.of("pause", "resume", "status")) {
        FleetProcess.Result r = FleetProcess.oneShot(List.of(command, "--namespace", "sharded", "--shards",
            Integer.toString(SHARDS), "--redis", fleetUrl));
        assertThat(r.exitCode()).as(command + ": " + r.stderr()).isZero();
      }
      for (FleetProcess node : List.of(a, b)) {
        assertThat(node.logText()).doesNotContain("NOPERM").doesNotContain(FLEET_PASSWORD);
        assertThat(node.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
      }
      // the one-shard rule set does not reach the shards' keys
      List<Object> oneShardRules = new ArrayList<>(List.of("SETUSER", "oneshard", "reset", "on", ">" + FLEET_PASSWORD));
      oneShardRules.addAll(List.of(AclRules.rules("sharded").split(" ")));
      admin.call("ACL", oneShardRules.toArray());
      FleetProcess.Result refused = status(url("oneshard:" + FLEET_PASSWORD + "@"), "--namespace", "sharded", "--shards",
          Integer.toString(SHARDS));
      assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(4);
      assertThat(refused.stderr()).doesNotContain(FLEET_PASSWORD);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(REDFLEET_NAMESPACE)
  void theDocumentedAclRuleSetRunsAWholeFleetWithEveryOutcomeRecordedOnce() {
    String fleetUrl = url("fleet:" + FLEET_PASSWORD + "@");
    long limit = 600;
    try (Fleet fleet = new Fleet(null, new TestRedis(url(":" + ADMIN_PASSWORD + "@"), "redfleet"), fleetUrl, List.of(
        "--interval-ms", "0", "--batch-size", "50", "--limit", Long.toString(limit), "--max-delay-ms", "20",
        "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500"))) {
      FleetProcess a = fleet.start();
      FleetProcess b = fleet.start();
      fleet.awaitOutcomes(limit, Duration.ofSeconds(90));
      fleet.assertEveryIdRecordedOnce(limit);
      // getErrors and status work with the same rules
      FleetProcess.Result errors = FleetProcess.oneShot(List.of("getErrors", "--json", "--redis", fleetUrl));
      assertThat(errors.exitCode()).as(errors.stderr()).isZero();
      assertThat(errors.lines()).hasSize((int) fleet.redis.stat("failed"));
      assertThat(status(fleetUrl).exitCode()).isZero();
      for (FleetProcess node : List.of(a, b)) {
        assertThat(node.logText()).doesNotContain("NOPERM").doesNotContain(FLEET_PASSWORD);
        assertThat(node.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
      }
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(REDFLEET_NAMESPACE)
  void runSaysOnceAndExitsWhenTheAclUserLacksACommandAndRefusesABadPasswordAtStart() {
    FleetProcess missing = FleetProcess.node(url("noblmove:" + FLEET_PASSWORD + "@"), "noblmove-node",
        List.of("--block-ms", "200"));
    Waits.until("run to exit", Duration.ofSeconds(30), () -> !missing.alive());
    assertThat(exitCode(missing)).isEqualTo(4);
    String log = missing.logText();
    assertThat(log.lines().filter(l -> l.contains("refused this node for good")).count()).as(log).isEqualTo(1);
    assertThat(log).contains("may not run 'blmove': add the rule +blmove").doesNotContain(FLEET_PASSWORD);

    // refused inside a script: Redis 7.0 names the script's line, not the command
    FleetProcess inScript = FleetProcess.node(url("nozadd:" + FLEET_PASSWORD + "@"), "nozadd-node", List.of());
    Waits.until("run to exit", Duration.ofSeconds(30), () -> !inScript.alive());
    assertThat(exitCode(inScript)).isEqualTo(4);
    assertThat(inScript.logText()).contains("may not run 'zadd'").contains("add the rule +zadd")
        .doesNotContain(FLEET_PASSWORD);

    FleetProcess wrong = FleetProcess.node(url("fleet:Wr0ng-Pass@"), "wrongpass-node", List.of());
    Waits.until("run to exit", Duration.ofSeconds(30), () -> !wrong.alive());
    assertThat(exitCode(wrong)).isEqualTo(4);
    assertThat(wrong.logText()).contains("refused the credentials").doesNotContain("Wr0ng-Pass").doesNotContain("Exception");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(REDFLEET_NAMESPACE)
  void getErrorsRefusedACommandMidwayExitsFourWithOneLineAndKeepsTheEntries() {
    admin.call("LPUSH", admin.keys.errors(), "{\"id\":1,\"epoch\":1,\"reason\":\"kept\"}");
    try {
      FleetProcess.Result r = FleetProcess.oneShot(List.of("getErrors", "--redis", url("nozadd:" + FLEET_PASSWORD + "@")));
      assertOneLine(r, 4, "may not run 'zadd' (called by the fleet's script 'errors-claim.lua'): add the rule +zadd");
      assertThat(admin.number("LLEN", admin.keys.errors())).as("nothing already in Redis is lost").isEqualTo(1);
    } finally {
      admin.call("DEL", admin.keys.errors());
    }
  }

  /** The exit code of a process that already ended. */
  private static int exitCode(FleetProcess p) {
    return p.terminate(5);
  }
}
