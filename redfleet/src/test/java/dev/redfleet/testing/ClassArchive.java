package dev.redfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A class-data-sharing archive of a jar (JDK 17's dynamic CDS), made once per build of the jar by
 * running it once with {@code -XX:ArchiveClassesAtExit}: a {@code status} against a port where
 * nothing listens loads what every command loads (picocli, Vert.x, Netty, the Redis client) and
 * exits. Named after the jar's size and time, so a rebuilt jar gets a new one. Best effort: when it
 * cannot be made, JVMs start without it.
 */
final class ClassArchive {
  private static final Map<Path, Path> MADE = new HashMap<>();

  private ClassArchive() {}

  /** The archive of {@code jar}, made now if needed; {@code null} if it cannot be made. */
  static synchronized Path of(Path jar, String java) {
    if (MADE.containsKey(jar)) {
      return MADE.get(jar);
    }
    Path archive = null;
    try {
      if (Files.isRegularFile(jar)) {
        String name = "app-fat-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + ".jsa";
        Path target = jar.resolveSibling(name);
        if (!Files.isRegularFile(target)) {
          Path partial = jar.resolveSibling(name + ".partial");
          Files.deleteIfExists(partial);
          List<String> command = new java.util.ArrayList<>(List.of(java));
          command.addAll(FleetProcess.JVM_OPTIONS);
          command.addAll(List.of("-XX:ArchiveClassesAtExit=" + partial, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
              "-jar", jar.toString(), "status", "--redis", "redis://127.0.0.1:1"));
          Process dump = new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
          if (!dump.waitFor(60, TimeUnit.SECONDS)) {
            dump.destroyForcibly();
          }
          if (Files.isRegularFile(partial) && Files.size(partial) > 0) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          }
        }
        archive = Files.isRegularFile(target) ? target : null;
      }
    } catch (IOException e) {
      archive = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      archive = null;
    }
    MADE.put(jar, archive);
    return archive;
  }
}
