package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Certificates;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 4: a TLS file that does not hold what its setting says is bad configuration
 * (exit 2, one line naming the file and what is wrong), found before anything connects, and not
 * "Redis unreachable" (exit 3) after a handshake that could not start.
 */
class TlsFilesIT {

  private static FleetProcess.Result status(String url, String... more) {
    List<String> args = new ArrayList<>(List.of("status", "--redis", url));
    args.addAll(List.of(more));
    return FleetProcess.oneShot(args);
  }

  @Test
  void aWrongTlsFileIsBadConfigurationNamingTheFile(@TempDir Path dir) throws Exception {
    Certificates certs = Certificates.create("DNS:localhost,IP:127.0.0.1");
    Certificates other = Certificates.create("DNS:localhost,IP:127.0.0.1");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "this is not a certificate\n");
    Path missing = dir.resolve("missing.crt");
    String keyContent = Files.readString(certs.serverKey());
    try (RedisServer mutual = RedisServer.startTls(certs, "yes")) {
      String url = "rediss://localhost:" + mutual.port();
      String ca = certs.ca().toString();
      String cert = certs.clientCert().toString();
      String key = certs.clientKey().toString();
      // the right files work (the checks accept what openssl makes)
      FleetProcess.Result ok = status(url, "--redis-tls-ca-file", ca, "--redis-tls-cert-file", cert, "--redis-tls-key-file", key);
      assertThat(ok.exitCode()).as(ok.stderr()).isZero();

      status(url, "--redis-tls-ca-file", certs.serverKey().toString()).assertOneLineError(2,
          "redfleet: bad configuration: redisTlsCaFile " + certs.serverKey() + " holds a private key, not a certificate",
          keyContent.lines().skip(1).findFirst().orElseThrow());
      status(url, "--redis-tls-ca-file", missing.toString()).assertOneLineError(2,
          "redfleet: bad configuration: cannot read redisTlsCaFile " + missing + ": no such file");
      status(url, "--redis-tls-ca-file", garbage.toString()).assertOneLineError(2,
          "redfleet: bad configuration: redisTlsCaFile " + garbage + " is not a PEM certificate");
      status(url, "--redis-tls-ca-file", dir.toString()).assertOneLineError(2,
          "redfleet: bad configuration: redisTlsCaFile " + dir + " is a directory");
      // the client certificate and its key: swapped, garbage, or a key of another certificate
      status(url, "--redis-tls-ca-file", ca, "--redis-tls-cert-file", key, "--redis-tls-key-file", cert).assertOneLineError(2,
          "redfleet: bad configuration: redisTlsCertFile " + key + " holds a private key, not a certificate");
      status(url, "--redis-tls-ca-file", ca, "--redis-tls-cert-file", cert, "--redis-tls-key-file", cert).assertOneLineError(2,
          "redfleet: bad configuration: redisTlsKeyFile " + cert + " holds a certificate, not a private key");
      status(url, "--redis-tls-ca-file", ca, "--redis-tls-cert-file", cert, "--redis-tls-key-file", garbage.toString())
          .assertOneLineError(2, "redfleet: bad configuration: redisTlsKeyFile " + garbage + " is not a PEM private key");
      status(url, "--redis-tls-ca-file", ca, "--redis-tls-cert-file", cert, "--redis-tls-key-file", other.clientKey().toString())
          .assertOneLineError(2, "redfleet: bad configuration: redisTlsKeyFile " + other.clientKey()
              + " is not the key of the certificate in redisTlsCertFile " + cert);
      // the same check in run: it ends at once, before joining
      FleetProcess.Result run = FleetProcess.oneShot(List.of("run", "--redis", url, "--redis-tls-ca-file", certs.serverKey().toString()));
      run.assertOneLineError(2, "holds a private key, not a certificate");
    }
  }
}
