package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Certificates;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * TLS-only redis-servers with a CA made by the test (openssl): server authentication, mutual TLS,
 * hostname verification. Every handshake failure is one line and exit 4; a plain client against
 * a TLS port is told to use rediss://.
 *
 * <p>The three cases run side by side (no upper timing bound in any, each on its own server:
 * {@code tls}, {@code mutual}, {@code misnamed}); they are mostly one-shot JVMs, one core each.
 */
class RedisTlsIT {
  private static Certificates certs;
  private static Certificates otherCa;
  private static Certificates wrongName;
  private static RedisServer tls;
  private static RedisServer mutual;
  private static RedisServer misnamed;

  @BeforeAll
  static void start() {
    certs = Certificates.create("DNS:localhost,IP:127.0.0.1");
    otherCa = Certificates.create("DNS:localhost,IP:127.0.0.1");
    wrongName = Certificates.create("DNS:redis.elsewhere.example");
    tls = RedisServer.startTls(certs, "no");
    mutual = RedisServer.startTls(certs, "yes");
    misnamed = RedisServer.startTls(wrongName, "no");
  }

  @AfterAll
  static void stop() {
    for (RedisServer s : new RedisServer[] {tls, mutual, misnamed}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private static FleetProcess.Result status(String url, String... more) {
    List<String> args = new ArrayList<>(List.of("status", "--redis", url));
    args.addAll(List.of(more));
    return FleetProcess.oneShot(args);
  }

  private static List<String> trust(Certificates c) {
    return List.of("--redis-tls-ca-file", c.ca().toString());
  }

  private static List<String> clientCert(Certificates c) {
    return List.of("--redis-tls-cert-file", c.clientCert().toString(), "--redis-tls-key-file", c.clientKey().toString());
  }

  private static String[] args(List<?>... lists) {
    List<String> all = new ArrayList<>();
    for (List<?> l : lists) {
      l.forEach(x -> all.add(String.valueOf(x)));
    }
    return all.toArray(String[]::new);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void serverAuthenticationWorksWithTheRightCaAndEachHandshakeFailureIsOneLine() {
    String url = "rediss://localhost:" + tls.port();
    FleetProcess.Result ok = status(url, args(trust(certs)));
    assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    assertThat(ok.stdout()).contains("audit");

    status(url).assertOneLineError(4, "certificate is not trusted");
    status(url, args(trust(otherCa))).assertOneLineError(4, "certificate is not trusted");
    status("redis://localhost:" + tls.port()).assertOneLineError(3, "try rediss://");

    // a TLS client against a plain port
    try (RedisServer plain = RedisServer.start()) {
      status("rediss://localhost:" + plain.port(), args(trust(certs))).assertOneLineError(4, "is this a TLS port");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void mutualTlsNeedsTheClientCertificateAndRunsAWholeFleet() {
    String url = "rediss://localhost:" + mutual.port();
    status(url, args(trust(certs))).assertOneLineError(4, "refused our client certificate");
    status(url, args(trust(certs), clientCert(otherCa))).assertOneLineError(4, "client certificate");

    long limit = 400;
    RedisConnectionOptions options = RedisConnectionOptions.parse(url).with(null, certs.ca().toString(),
        certs.clientCert().toString(), certs.clientKey().toString(), true, "mymaster", null, 0, 1000);
    List<String> nodeOptions = new ArrayList<>(List.of("--interval-ms", "0", "--batch-size", "50",
        "--limit", Long.toString(limit), "--max-delay-ms", "20", "--heartbeat-ms", "250", "--stale-ms", "1500",
        "--block-ms", "500"));
    nodeOptions.addAll(trust(certs));
    nodeOptions.addAll(clientCert(certs));
    try (Fleet fleet = new Fleet(null, new TestRedis(options, "redfleet"), url, nodeOptions)) {
      FleetProcess a = fleet.start();
      FleetProcess b = fleet.start();
      fleet.awaitOutcomes(limit, Duration.ofSeconds(90));
      fleet.assertEveryIdRecordedOnce(limit);
      assertThat(a.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(b.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void hostnameVerificationIsOnByDefaultAndTurningItOffIsLoggedAsAWarning() {
    String url = "rediss://localhost:" + misnamed.port();
    status(url, args(trust(wrongName))).assertOneLineError(4, "does not name the host");

    FleetProcess.Result off = status(url, args(trust(wrongName), List.of("--redis-tls-verify-hostname", "false")));
    assertThat(off.exitCode()).as(off.stderr()).isZero();
    assertThat(off.stderr()).contains("WARN").contains("TLS HOSTNAME VERIFICATION IS OFF");
  }
}
