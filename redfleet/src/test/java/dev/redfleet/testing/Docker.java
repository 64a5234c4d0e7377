package dev.redfleet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Docker engine for the image, compose and Testcontainers tests. These machines reach no
 * image registry, so every image is built on a local base image ({@link #BASE_IMAGE}, made by
 * debootstrap + docker import in .ci/run: Debian bookworm with a JDK 17 and redis-server), and the
 * node image runs on {@link #RUNTIME_IMAGE} (the same Debian without Java: the image brings its
 * own jlink'd runtime).
 */
public final class Docker {
  /** The local base image; override with the environment variable REDFLEET_BASE_IMAGE. */
  public static final String BASE_IMAGE =
      System.getenv().getOrDefault("REDFLEET_BASE_IMAGE", "redfleet-local/base:bookworm-jdk17");
  /** The local image the node image runs on; override with the environment variable REDFLEET_RUNTIME_IMAGE. */
  public static final String RUNTIME_IMAGE =
      System.getenv().getOrDefault("REDFLEET_RUNTIME_IMAGE", "redfleet-local/runtime:bookworm");
  /** The project directory (the build context of the Dockerfile). */
  public static final Path PROJECT = Path.of("").toAbsolutePath();

  private Docker() {}

  public record Result(int exitCode, String output) {}

  /**
   * Skips the calling test, with a message in the build log, when no Docker engine answers; fails
   * when the engine answers but the base image is missing (CI builds it: .ci/run).
   */
  public static void requireEngineAndBaseImage() {
    Result info = run(Map.of(), 20, "docker", "info", "--format", "{{.ServerVersion}}");
    if (info.exitCode() != 0) {
      String why = "SKIPPED: no Docker engine could be reached (" + info.output().lines().findFirst().orElse("") + ")";
      System.out.println(why);
      Assumptions.abort(why);
    }
    for (String local : List.of(BASE_IMAGE, RUNTIME_IMAGE)) {
      Result image = run(Map.of(), 20, "docker", "image", "inspect", "--format", "{{.Id}}", local);
      if (image.exitCode() != 0) {
        throw new AssertionError("the local image " + local + " is missing: .ci/run builds it "
            + "(debootstrap + docker import), or set REDFLEET_BASE_IMAGE / REDFLEET_RUNTIME_IMAGE");
      }
    }
  }

  /**
   * docker build of the project's Dockerfile on the local images, with the jar mvn package built,
   * as docs/OPERATIONS.md shows it; {@code buildArgs} are more NAME=VALUE build arguments.
   */
  public static void buildImage(String tag, String... buildArgs) {
    List<String> command = new ArrayList<>(List.of("docker", "build", "-q", "--network", "host", "-t", tag,
        "--build-arg", "BUILD_IMAGE=" + BASE_IMAGE, "--build-arg", "RUNTIME_IMAGE=" + RUNTIME_IMAGE,
        "--build-arg", "PREBUILT_JAR=true"));
    for (String arg : buildArgs) {
      command.add("--build-arg");
      command.add(arg);
    }
    command.add(PROJECT.toString());
    Result r = run(Map.of(), 300, command.toArray(String[]::new));
    if (r.exitCode() != 0) {
      throw new AssertionError("docker build failed:\n" + r.output());
    }
  }

  /** Runs a command to its end (stdout and stderr together), failing the test after {@code seconds}. */
  public static Result run(Map<String, String> env, long seconds, String... command) {
    try {
      Path out = Files.createTempFile("redfleet-docker", ".txt");
      ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(PROJECT.toFile())
          .redirectErrorStream(true).redirectOutput(out.toFile());
      builder.environment().putAll(env);
      Process p = builder.start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("did not end within " + seconds + " s: " + String.join(" ", command));
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      Files.deleteIfExists(out);
      return new Result(p.exitValue(), text);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
