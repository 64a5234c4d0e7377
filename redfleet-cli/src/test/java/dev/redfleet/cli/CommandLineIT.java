package dev.redfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as a user meets it: exit codes and one-line reasons, never a stack trace. */
class CommandLineIT {

  private static void assertOneLineError(FleetProcess.Result r, int code, String text) {
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(code);
    List<String> errorLines = r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList();
    assertThat(errorLines).hasSize(1);
    assertThat(errorLines.get(0)).contains(text);
    assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void badUsageAndBadConfigurationExitTwoWithOneLine() {
    assertOneLineError(FleetProcess.oneShot(List.of("frobnicate")), 2, "frobnicate");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--workers", "0")), 2, "workers must be between 1 and 64");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--error-rate", "abc")), 2, "errorRate must be a number");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--config", "/nonexistent/config.json")), 2,
        "cannot read config file");
    assertOneLineError(FleetProcess.oneShot(List.of("getErrors", "--limit", "-1")), 2, "--limit");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--concurrency", "-3")), 2, "concurrency must be between 1 and 100000");
    assertOneLineError(FleetProcess.oneShot(List.of("status", "--frobnicate")), 2, "--frobnicate");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--lease-ms", "2000", "--renew-ms", "1900")), 2,
        "renewMs (1900) leaves no room before leaseMs (2000)");
    // before: "Failed to parse the connection string", exit 1
    assertOneLineError(FleetProcess.oneShot(List.of("status", "--redis", "unix://")), 2,
        "bad configuration: redisUrl 'unix://': a unix socket URL must name the socket's absolute path");
  }

  @Test
  void everySettingHasAnUpperBound() {
    // once accepted: a batch this size stalled the generator while it kept the lease, and this many
    // worker verticles ran the JVM out of memory
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--batch-size", "2147483647")), 2,
        "batchSize must be between 1 and 10000, got 2147483647");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--workers", "100000")), 2,
        "workers must be between 1 and 64, got 100000");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--limit", "9007199254740993")), 2,
        "limit must be between 0 and 9007199254740992");
  }

  @Test
  void badConfigurationFilesExitTwoWithOneLine(@TempDir Path dir) throws Exception {
    Path wrongType = Files.writeString(dir.resolve("types.json"), "{\"workers\": \"many\"}");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--config", wrongType.toString())), 2,
        "workers must be a whole number, got 'many'");
    Path unknown = Files.writeString(dir.resolve("unknown.json"), "{\"wrokers\": 2}");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--config", unknown.toString())), 2, "unknown setting 'wrokers'");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"workers\": ");
    assertOneLineError(FleetProcess.oneShot(List.of("status", "--config", broken.toString())), 2, "cannot read config file");
    Path zero = Files.writeString(dir.resolve("zero.json"), "{\"leaseMs\": 0}");
    assertOneLineError(FleetProcess.oneShot(List.of("run", "--config", zero.toString())), 2, "leaseMs must be between 1 and 600000");
  }

  @Test
  void badUrlsAndNamespacesNeverPrintThePassword(@TempDir Path dir) throws Exception {
    List<List<String>> bad = List.of(
        List.of("status", "--redis", "REDIS://:s3cret@127.0.0.1:1"),
        List.of("status", "--redis", " redis://user:s3cret@127.0.0.1:1"),
        List.of("status", "--redis", "redis-sentinel://:s3cret@127.0.0.1:1/m"),
        List.of("status", "--redis", "http://u:p@ss:s3cret@127.0.0.1:1"),
        List.of("status", "--namespace", "redis://:s3cret@127.0.0.1:1"),
        List.of("run", "--workers", "redis://:s3cret@127.0.0.1:1"),
        List.of("getErrors", "--limit", ":s3cret@host"));
    for (List<String> args : bad) {
      FleetProcess.Result r = FleetProcess.oneShot(args);
      assertThat(r.exitCode()).as(args + ": " + r.stderr()).isEqualTo(2);
      assertThat(r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).count()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr() + r.stdout()).as(String.valueOf(args)).doesNotContain("s3cret");
    }
    Path file = Files.writeString(dir.resolve("url.json"), "{\"redisUrl\": \"REDIS://:s3cret@h:1\"}");
    FleetProcess.Result r = FleetProcess.oneShot(List.of("status", "--config", file.toString()));
    assertOneLineError(r, 2, "REDIS://:***@h:1");
    assertThat(r.stderr()).doesNotContain("s3cret");
  }

  @Test
  void oneShotCommandsExitThreeWhenRedisIsUnreachableWithoutLeakingThePassword() {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("status", "--redis", "redis://:s3cret@127.0.0.1:1"));
    assertOneLineError(r, 3, "Redis unreachable at redis://:***@127.0.0.1:1");
    assertThat(r.stderr() + r.stdout()).doesNotContain("s3cret");
    assertOneLineError(FleetProcess.oneShot(List.of("get-errors", "--redis", "redis://127.0.0.1:1")), 3,
        "Redis unreachable");
  }

  @Test
  void helpVersionAndStatusOfAnEmptyFleet() {
    FleetProcess.Result help = FleetProcess.oneShot(List.of("--help"));
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("run", "getErrors", "status");
    FleetProcess.Result version = FleetProcess.oneShot(List.of("--version"));
    assertThat(version.stdout()).startsWith("redfleet ");
    try (RedisServer server = RedisServer.start()) {
      FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--redis", server.url()));
      assertThat(status.exitCode()).as(status.stderr()).isZero();
      JsonObject json = new JsonObject(status.stdout().trim());
      assertThat(json.getValue("leader")).isNull();
      assertThat(json.getLong("queue")).isZero();
      assertThat(json.getJsonObject("audit").getLong("duplicates")).isZero();
    }
  }

  private static int[] controls(String text) {
    return text.chars().filter(c -> (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f)).toArray();
  }

  /**
   * Issue 15 section 6: bytes from outside (an argument, a value found in Redis) reach stderr, stdout
   * and the log only as visible escapes, never as terminal control sequences.
   */
  @Test
  void controlCharactersFromOutsideArePrintedAsVisibleEscapes() {
    try (RedisServer server = RedisServer.start();
         dev.redfleet.testing.TestRedis redis = new dev.redfleet.testing.TestRedis(server.url(), "test")) {
      // the send command echoes a refused argument on stderr
      FleetProcess.Result send = FleetProcess.oneShot(List.of("send", "--redis", server.url(), "--namespace", "test",
          "--header", "\u001b]0;owned\u0007", "body"));
      assertOneLineError(send, 2, "--header must be NAME=VALUE, got '\\u001b]0;owned\\u0007'");
      assertThat(controls(send.stderr())).as(send.stderr()).isEmpty();

      // pause quotes a paused key written by hand
      redis.call("SET", redis.keys.paused(), "\u001b[2J\u009b1m");
      FleetProcess.Result pause = FleetProcess.oneShot(List.of("pause", "--redis", server.url(), "--namespace", "test"));
      assertThat(pause.exitCode()).as(pause.stderr()).isZero();
      assertThat(pause.stdout()).contains("the key holds '\\u001b[2J\\u009b1m'");
      assertThat(controls(pause.stdout() + pause.stderr())).isEmpty();
      redis.call("DEL", redis.keys.paused());

      // a node logs the leader value it replaces
      redis.call("SET", redis.keys.leader(), "\u001b[2J\u001b]0;owned\u0007 garbage");
      try (FleetProcess node = FleetProcess.node(server.url(), "n1", List.of("--namespace", "test", "--source", "none"))) {
        dev.redfleet.testing.Waits.until("the replaced leader value logged", java.time.Duration.ofSeconds(60),
            () -> node.logText().contains("the leader key held"));
        node.terminate(30);
        String log = node.logText();
        assertThat(log).contains("the leader key held '\\u001b[2J\\u001b]0;owned\\u0007 garbage'");
        assertThat(controls(log)).as(log).isEmpty();
      }
    }
  }
}
