package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.SentinelRedis;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Sentinels that require their own password, in front of a master and replica that require
 * another: the fleet needs both ({@code --redis-sentinel-password} for the sentinels,
 * {@code --redis-password} for the data nodes). A missing or wrong one is a permanent refusal
 * (exit 4, one line), and neither password is ever printed.
 *
 * <p>The cases run side by side: none has an upper timing bound, and on the shared deployment only
 * the first writes (its node produces in namespace redfleet); the others only read it with
 * credentials it refuses, or start a deployment of their own.
 */
class SentinelAuthIT {
  private static final String DATA_PASSWORD = "D4ta-Pw9q";
  private static final String SENTINEL_PASSWORD = "S3nt-Pw2k";
  private static SentinelRedis redis;

  @BeforeAll
  static void start() {
    redis = new SentinelRedis(DATA_PASSWORD, SENTINEL_PASSWORD);
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  private static FleetProcess.Result status(String... passwords) {
    List<String> args = new ArrayList<>(List.of("status", "--redis", redis.url()));
    args.addAll(List.of(passwords));
    return FleetProcess.oneShot(args);
  }

  private static void assertRefused(FleetProcess.Result r, String expected) {
    r.assertOneLineError(4, expected, DATA_PASSWORD, SENTINEL_PASSWORD);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void withBothPasswordsTheFleetRunsThroughTheSentinelsAndPrintsNeither() {
    FleetProcess.Result ok = status("--redis-password", DATA_PASSWORD, "--redis-sentinel-password", SENTINEL_PASSWORD);
    assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    assertThat(ok.stdout()).contains("audit").doesNotContain(DATA_PASSWORD).doesNotContain(SENTINEL_PASSWORD);

    FleetProcess node = FleetProcess.node(redis.url(), "sentinel-auth-node", List.of(
        "--redis-password", DATA_PASSWORD, "--redis-sentinel-password", SENTINEL_PASSWORD,
        "--interval-ms", "20", "--limit", "100", "--batch-size", "10"));
    try (TestRedis master = new TestRedis("redis://:" + DATA_PASSWORD + "@127.0.0.1:" + redis.master.port(), "redfleet")) {
      Waits.until("the node to produce through the sentinels", Duration.ofSeconds(60),
          () -> master.stat("produced") >= 100);
    }
    assertThat(node.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
    assertThat(node.logText()).doesNotContain(DATA_PASSWORD).doesNotContain(SENTINEL_PASSWORD);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aMissingOrWrongSentinelPasswordIsRefusedForGood() {
    assertRefused(status("--redis-password", DATA_PASSWORD), "the sentinels require a password of their own");
    assertRefused(status("--redis-password", DATA_PASSWORD, "--redis-sentinel-password", "Wr0ng-Sent"),
        "the sentinels refused the sentinel password");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aPasswordProtectedMasterBehindOpenSentinelsNeedsOnlyTheDataPassword() {
    try (SentinelRedis open = new SentinelRedis(DATA_PASSWORD, null)) {
      FleetProcess.Result ok = FleetProcess.oneShot(List.of("status", "--redis", open.url(), "--redis-password", DATA_PASSWORD));
      assertThat(ok.exitCode()).as(ok.stderr()).isZero();
      assertThat(ok.stdout()).contains("audit").doesNotContain(DATA_PASSWORD);
      assertRefused(FleetProcess.oneShot(List.of("status", "--redis", open.url())), "requires authentication");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void theRightSentinelPasswordAloneDoesNotOpenTheMaster() {
    assertRefused(status("--redis-sentinel-password", SENTINEL_PASSWORD), "requires authentication");
    assertRefused(status("--redis-password", "Wr0ng-Data", "--redis-sentinel-password", SENTINEL_PASSWORD),
        "refused the credentials");
  }
}
