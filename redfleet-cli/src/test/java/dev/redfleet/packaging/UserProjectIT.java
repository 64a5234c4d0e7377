package dev.redfleet.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program of a user, as the README shows it: a pom with one dependency, dev.redfleet:redfleet,
 * built by Maven offline against the artifacts this build installed. It must compile, carry none of
 * the command line's jars (logging backend, picocli, vertx-config, the demo's Redis), and run:
 * it embeds a node, sends a message with the client and sees its handler handle it on a real Redis.
 *
 * <p>The dependencies are read from the manifest Class-Path that maven-jar-plugin writes from
 * Maven's resolution of the project (runtime scope, which holds the compile scope):
 * maven-dependency-plugin's {@code dependency:list} cannot be resolved offline here.
 */
class UserProjectIT {
  private static final String VERSION = System.getProperty("redfleet.version");
  private static final Path REPO = Path.of(System.getProperty("redfleet.localRepository"));
  private static final Path LIBRARY_JAR = Path.of(System.getProperty("redfleet.libraryJar"));
  private static final List<String> NOT_FOR_USERS =
      List.of("logback-classic", "logback-core", "picocli", "vertx-config", "embedded-redis",
          "redfleet-cli");

  private static final String POM = """
      <project xmlns="http://maven.apache.org/POM/4.0.0">
        <modelVersion>4.0.0</modelVersion>
        <groupId>com.example</groupId>
        <artifactId>orders</artifactId>
        <version>1.0</version>
        <properties>
          <maven.compiler.release>17</maven.compiler.release>
          <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
        </properties>
        <dependencies>
          <dependency>
            <groupId>dev.redfleet</groupId>
            <artifactId>redfleet</artifactId>
            <version>%s</version>
          </dependency>
        </dependencies>
        <build>
          <plugins>
            <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
            <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
            <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.3</version></plugin>
            <plugin>
              <artifactId>maven-jar-plugin</artifactId>
              <version>3.4.2</version>
              <configuration>
                <archive>
                  <manifest>
                    <addClasspath>true</addClasspath>
                    <classpathLayoutType>repository</classpathLayoutType>
                  </manifest>
                </archive>
              </configuration>
            </plugin>
          </plugins>
        </build>
      </project>
      """;

  private static final String MAIN = """
      package com.example;

      import dev.redfleet.api.Redfleet;
      import dev.redfleet.api.RedfleetClient;
      import dev.redfleet.api.RedfleetNode;
      import io.vertx.core.Future;
      import java.util.Map;
      import java.util.concurrent.CompletableFuture;
      import java.util.concurrent.TimeUnit;

      public class Orders {
        public static void main(String[] args) throws Exception {
          CompletableFuture<String> handled = new CompletableFuture<>();
          RedfleetNode node = Redfleet.node()
              .env(Map.of())
              .args("--redis", args[0], "--namespace", "orders", "--source", "none")
              .handler(message -> {
                handled.complete(message.id() + " " + message.body());
                return Future.succeededFuture();
              })
              .start().await();
          RedfleetClient client = Redfleet.client().env(Map.of()).redis(args[0]).namespace("orders").connect().await();
          long id = client.send("charge order 42").await();
          System.out.println("sent " + id);
          System.out.println("handled " + handled.get(30, TimeUnit.SECONDS));
          client.close().await();
          node.stop().await();
          System.exit(0);
        }
      }
      """;

  @Test
  void aUserProjectBuildsOfflineAgainstTheInstalledLibraryWithoutTheCommandLinesJarsAndRuns(@TempDir Path dir)
      throws Exception {
    Path installed = REPO.resolve("dev/redfleet/redfleet/" + VERSION + "/redfleet-" + VERSION + ".jar");
    assertThat(installed).as("redfleet installed by this build (the README's test command is `mvn -B install`)").exists();
    assertThat(Files.mismatch(installed, LIBRARY_JAR))
        .as("the installed %s is this build's %s (run `mvn install`, not only `mvn verify`)", installed, LIBRARY_JAR)
        .isEqualTo(-1L);

    Files.writeString(dir.resolve("pom.xml"), POM.formatted(VERSION));
    Path source = dir.resolve("src/main/java/com/example/Orders.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, MAIN);

    Process build = new ProcessBuilder("mvn", "-o", "-B", "-q", "-Dmaven.repo.local=" + REPO, "package")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("build.log").toFile()).start();
    assertThat(build.waitFor(300, TimeUnit.SECONDS)).as("the user project's build ends").isTrue();
    assertThat(build.exitValue()).as("mvn -o package of the user project:\n%s", Files.readString(dir.resolve("build.log")))
        .isZero();

    Path jar = dir.resolve("target/orders-1.0.jar");
    List<String> dependencies;
    try (JarFile file = new JarFile(jar.toFile())) {
      dependencies = Arrays.asList(file.getManifest().getMainAttributes().getValue("Class-Path").trim().split(" +"));
    }
    System.out.println("FIGURE user-project jars on the class path: " + dependencies.size());
    dependencies.forEach(d -> System.out.println("  " + d));
    assertThat(dependencies).anyMatch(d -> d.endsWith("/redfleet-" + VERSION + ".jar"))
        .anyMatch(d -> d.endsWith("/redfleet-api-" + VERSION + ".jar"))
        .anyMatch(d -> d.contains("/vertx-redis-client-"));
    for (String jarName : NOT_FOR_USERS) {
      assertThat(dependencies).as("no %s on a user's class path", jarName).noneMatch(d -> d.contains("/" + jarName + "/"));
    }

    List<String> classPath = new ArrayList<>(List.of(jar.toString()));
    dependencies.forEach(d -> classPath.add(REPO.resolve(d).toString()));
    try (RedisServer redis = RedisServer.start()) {
      Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", String.join(java.io.File.pathSeparator, classPath), "com.example.Orders", redis.url())
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile()).start();
      boolean ended = run.waitFor(90, TimeUnit.SECONDS);
      if (!ended) {
        run.destroyForcibly();
      }
      String output = Files.readString(dir.resolve("run.log"));
      assertThat(ended).as("the user's program ends:\n%s", output).isTrue();
      assertThat(run.exitValue()).as(output).isZero();
      assertThat(output).contains("sent 1").contains("handled 1 charge order 42");
    }
  }
}
