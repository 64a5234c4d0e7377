package dev.redfleet.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A secret kept in a file (a mounted Kubernetes or Docker secret, say): its first line, without
 * surrounding whitespace. Every error names the setting and the file, never the content.
 */
final class SecretFile {
  private SecretFile() {}

  /** The first line of {@code file}; a ConfigException when it is missing, unreadable or empty. */
  static String firstLine(String setting, String file) {
    try {
      String first = Files.readString(Path.of(file), StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
      if (first.isEmpty()) {
        throw new ConfigException(setting + " " + file + " is empty");
      }
      return first;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      // the exception's own message could quote the content (a malformed-input message does not, but
      // no guess is made): only its kind is told
      throw new ConfigException("cannot read " + setting + " " + file + ": " + (e instanceof NoSuchFileException ? "no such file"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof java.nio.charset.CharacterCodingException ? "not UTF-8 text"
          : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")));
    }
  }
}
