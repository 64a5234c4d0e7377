package dev.redfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority made with the openssl CLI, and a server and a client
 * certificate it signed (EC P-256, the same commands as a by-hand setup would use).
 *
 * @param serverSan the server certificate's subjectAltName, e.g. {@code DNS:localhost,IP:127.0.0.1}
 */
public record Certificates(Path dir, Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

  public static Certificates create(String serverSan) {
    try {
      Path dir = Files.createTempDirectory("redfleet-certs");
      openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
          "-subj", "/CN=redfleet-test-ca", "-keyout", "ca.key", "-out", "ca.crt");
      for (String name : List.of("server", "client")) {
        String san = name.equals("server") ? serverSan : "DNS:redfleet-client";
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth,clientAuth\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
            "-keyout", name + ".key", "-out", name + ".csr");
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "30", "-extfile", name + ".ext", "-out", name + ".crt");
      }
      return new Certificates(dir, dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
          dir.resolve("client.crt"), dir.resolve("client.key"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void openssl(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("openssl.log").toFile()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl failed: " + command + " (see " + dir.resolve("openssl.log") + ")");
      }
    } catch (IOException e) {
      throw new IllegalStateException("tests need the openssl CLI (apt-get install -y openssl)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
