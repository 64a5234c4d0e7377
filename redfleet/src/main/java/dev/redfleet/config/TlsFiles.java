package dev.redfleet.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the TLS files before anything connects: each must be readable and hold what its setting
 * says (PEM certificates for the CA and the client certificate, an unencrypted PEM private key that
 * belongs to that certificate for the key). A wrong file is a configuration error (exit 2, one
 * line naming the setting, the file and what is wrong), not a TLS handshake that fails later and
 * looks like an unreachable Redis. Errors never quote the files' content.
 */
final class TlsFiles {
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([\\s\\S]*?)-----END \\1-----");
  private static final List<String> KEY_TYPES = List.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY");

  private TlsFiles() {}

  /** One PEM block: its type ("CERTIFICATE", "PRIVATE KEY", ...) and its decoded content (null if not base64). */
  private record Block(String type, byte[] der) {}

  static void check(String caFile, String certFile, String keyFile) {
    if (!caFile.isEmpty()) {
      certificates("redisTlsCaFile", caFile);
    }
    if (!certFile.isEmpty()) {
      X509Certificate client = certificates("redisTlsCertFile", certFile).get(0);
      privateKey(keyFile, certFile, client);
    }
  }

  /** The certificates of a PEM file, at least one; a ConfigException saying what the file holds instead. */
  static List<X509Certificate> certificates(String setting, String file) {
    List<Block> blocks = blocks(setting, file);
    List<X509Certificate> certificates = new ArrayList<>();
    for (Block b : blocks) {
      if (b.type().equals("CERTIFICATE") || b.type().equals("TRUSTED CERTIFICATE")) {
        try {
          certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(b.der())));
        } catch (Exception e) {
          throw wrong(setting, file, "holds a CERTIFICATE block that is not a valid X.509 certificate");
        }
      }
    }
    if (certificates.isEmpty()) {
      boolean key = blocks.stream().anyMatch(b -> b.type().endsWith("PRIVATE KEY"));
      throw wrong(setting, file, key ? "holds a private key, not a certificate (a key file given for a certificate?)"
          : blocks.isEmpty() ? "is not a PEM certificate (no -----BEGIN CERTIFICATE----- block)"
          : "holds no certificate, only PEM " + types(blocks));
    }
    return certificates;
  }

  /** The key must be an unencrypted PEM private key that belongs to {@code certificate}. */
  private static void privateKey(String file, String certFile, X509Certificate certificate) {
    String setting = "redisTlsKeyFile";
    List<Block> blocks = blocks(setting, file);
    if (blocks.stream().anyMatch(b -> b.type().equals("ENCRYPTED PRIVATE KEY") || b.der() == null)) {
      throw wrong(setting, file, "holds an encrypted private key: give it unencrypted (openssl pkey -in KEY -out PLAIN)");
    }
    Block key = blocks.stream().filter(b -> KEY_TYPES.contains(b.type())).findFirst().orElse(null);
    if (key == null) {
      boolean certificates = blocks.stream().anyMatch(b -> b.type().equals("CERTIFICATE"));
      throw wrong(setting, file, certificates ? "holds a certificate, not a private key (a certificate given for the key?)"
          : blocks.isEmpty() ? "is not a PEM private key (no -----BEGIN PRIVATE KEY----- block)"
          : "holds no private key, only PEM " + types(blocks));
    }
    if (!key.type().equals("PRIVATE KEY")) {
      // PKCS#1 RSA and SEC1 EC keys: the JDK reads only PKCS#8, Vert.x reads these too
      return;
    }
    PrivateKey parsed = null;
    for (String algorithm : List.of("EC", "RSA", "Ed25519", "EdDSA")) {
      try {
        parsed = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(key.der()));
        break;
      } catch (Exception tryNext) {
        // another algorithm
      }
    }
    if (parsed == null) {
      throw wrong(setting, file, "holds a PRIVATE KEY block that is not a readable EC or RSA key");
    }
    if (!belongs(parsed, certificate)) {
      throw wrong(setting, file, "is not the key of the certificate in redisTlsCertFile " + certFile);
    }
  }

  /** Whether {@code key} signs what the certificate's public key verifies; true when it cannot tell. */
  private static boolean belongs(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null) {
      return true;
    }
    if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
      return false;
    }
    try {
      byte[] probe = "redfleet key check".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(certificate.getPublicKey());
      verify.update(probe);
      return verify.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }

  private static List<Block> blocks(String setting, String file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(Path.of(file))) {
        throw wrong(setting, file, "is a directory, not a file");
      }
      bytes = Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("cannot read " + setting + " " + file + ": " + (e instanceof NoSuchFileException ? "no such file"
          : e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()));
    }
    if (bytes.length == 0) {
      throw wrong(setting, file, "is empty");
    }
    List<Block> blocks = new ArrayList<>();
    Matcher m = PEM.matcher(new String(bytes, StandardCharsets.ISO_8859_1));
    while (m.find()) {
      String body = m.group(2);
      if (body.contains("Proc-Type:") && body.contains("ENCRYPTED")) {
        // a legacy encrypted key (headers, then the encrypted body): marked by a null content
        blocks.add(new Block(m.group(1), null));
        continue;
      }
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body.strip())));
      } catch (IllegalArgumentException e) {
        throw wrong(setting, file, "holds a PEM " + m.group(1) + " block that is not base64");
      }
    }
    if (blocks.isEmpty() && (bytes[0] & 0xff) == 0x30) {
      throw wrong(setting, file, "is DER (binary), not PEM: convert it (openssl x509 -inform der / openssl pkey -inform der)");
    }
    return blocks;
  }

  private static String types(List<Block> blocks) {
    return String.join(", ", blocks.stream().map(Block::type).distinct().toList());
  }

  private static ConfigException wrong(String setting, String file, String what) {
    return new ConfigException(setting + " " + file + " " + what);
  }
}
