package dev.redfleet.demo;

import java.io.File;
import java.io.IOException;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis server of {@code demo} on a machine without one: the binary for this OS and CPU that
 * {@code com.github.codemonstur:embedded-redis} ships in its jar (Redis 6.2 for Linux and macOS,
 * x86-64 and ARM), copied to a temporary file and run like a redis-server on the PATH. Only the
 * demo uses it; {@code run}, {@code bench} and the tests need a real Redis.
 */
final class EmbeddedRedis {
  /** What the demo says it started. */
  static final String SOURCE = "com.github.codemonstur:embedded-redis 1.4.3";

  private EmbeddedRedis() {}

  /** The executable for this machine; fails with one line where the jar has none (Windows has only Redis 5). */
  static String binary() {
    try {
      File file = ExecutableProvider.newJarResourceProvider().get();
      if (!file.canExecute() && !file.setExecutable(true)) {
        throw new IllegalStateException("the embedded Redis at " + file + " cannot be made executable");
      }
      return file.getPath();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("no redis-server on the PATH and no embedded Redis for this machine ("
          + e.getMessage() + "): install redis-server, or give --redis URL");
    }
  }
}
