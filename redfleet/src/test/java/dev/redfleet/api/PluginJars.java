package dev.redfleet.api;

import dev.redfleet.testing.FleetProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds plug-in jars the way a user would: javac against the fat jar (which holds
 * {@code dev.redfleet.api}), then a jar of the classes and resources. No Maven module, works offline.
 */
public final class PluginJars {

  private PluginJars() {}

  /** Compiles {@code examples/file-handler} into {@code out/file-handler.jar}. */
  static Path example(Path out) throws IOException {
    return example(out, "file-handler");
  }

  /** Compiles {@code examples/<name>} (its Java sources and resources) into {@code out/<name>.jar}. */
  public static Path example(Path out, String name) throws IOException {
    Path example = Path.of("examples", name).toAbsolutePath();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(example.resolve("src/main/java"))) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    return build(out, name, sources, example.resolve("src/main/resources"));
  }

  /**
   * A handler plug-in for tests of what was emitted: {@code --handler com.acme.Recorder} (loaded by
   * class name from a plugins directory holding the jar) appends every message it handles to
   * {@code file} as one line {@code id TAB attempt TAB node TAB tick header TAB skipped header TAB
   * producedAt TAB body}, one write per line (processes can share the file). A body starting with
   * {@code retry-} fails its first attempt.
   */
  public static Path recorder(Path out, Path file) throws IOException {
    String path = file.toAbsolutePath().toString().replace("\\", "\\\\");
    return fromSources(out, "recorder", Map.of("com.acme.Recorder", """
        package com.acme;

        import dev.redfleet.api.*;
        import java.nio.ByteBuffer;
        import java.nio.channels.FileChannel;
        import java.nio.charset.StandardCharsets;
        import java.nio.file.Path;
        import java.nio.file.StandardOpenOption;

        public final class Recorder implements HandlerFactory {
          public String name() { return "recorder"; }

          public Handler create(HandlerContext context) throws Exception {
            FileChannel file = FileChannel.open(Path.of("%s"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            String node = context.nodeId();
            return context.blocking(m -> {
              if (m.body().startsWith("retry-") && m.attempt() == 1) {
                throw new HandlerFailure("first attempt of a retry- body");
              }
              String line = m.id() + "\\t" + m.attempt() + "\\t" + node + "\\t" + m.headers().getOrDefault("tick", "") + "\\t"
                  + m.headers().getOrDefault("skipped", "") + "\\t" + m.producedAt() + "\\t" + m.body() + "\\n";
              ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
              while (bytes.hasRemaining()) {
                file.write(bytes);
              }
            });
          }
        }
        """.formatted(path)));
  }

  /**
   * A handler plug-in for the data-loss tests: {@code --handler com.acme.MessageLog} appends every
   * message it handles to {@code file} as one line {@code id TAB epoch TAB producedAt TAB attempt TAB
   * node TAB body}, one write per line (processes can share the file), so that a test can tell two
   * different messages that carried one id (a reused id) from one message handled twice
   * ({@link dev.redfleet.testing.HandledMessages}).
   */
  public static Path messageLog(Path out, Path file) throws IOException {
    String path = file.toAbsolutePath().toString().replace("\\", "\\\\");
    return fromSources(out, "message-log", Map.of("com.acme.MessageLog", """
        package com.acme;

        import dev.redfleet.api.*;
        import java.nio.ByteBuffer;
        import java.nio.channels.FileChannel;
        import java.nio.charset.StandardCharsets;
        import java.nio.file.Path;
        import java.nio.file.StandardOpenOption;

        public final class MessageLog implements HandlerFactory {
          public String name() { return "message-log"; }

          public Handler create(HandlerContext context) throws Exception {
            FileChannel file = FileChannel.open(Path.of("%s"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            String node = context.nodeId();
            return context.blocking(m -> {
              // a few ms of work, so that a worker holds messages when a test freezes it
              Thread.sleep(5);
              String line = m.id() + "\\t" + m.epoch() + "\\t" + m.producedAt() + "\\t" + m.attempt() + "\\t" + node
                  + "\\t" + m.body() + "\\n";
              ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
              while (bytes.hasRemaining()) {
                file.write(bytes);
              }
            });
          }
        }
        """.formatted(path)));
  }

  /** Compiles the given sources (class name -> source text) into {@code out/<name>.jar}. */
  public static Path fromSources(Path out, String name, Map<String, String> classes) throws IOException {
    Path src = Files.createDirectories(out.resolve(name + "-src"));
    List<Path> sources = new ArrayList<>();
    for (Map.Entry<String, String> c : classes.entrySet()) {
      Path file = src.resolve(c.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      sources.add(Files.writeString(file, c.getValue()));
    }
    return build(out, name, sources, null);
  }

  private static Path build(Path out, String name, List<Path> sources, Path resources) throws IOException {
    Path classes = Files.createDirectories(out.resolve(name + "-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("--release", "17", "-cp", FleetProcess.JAR.toString(), "-d", classes.toString()));
    sources.forEach(s -> args.add(s.toString()));
    StringWriter errors = new StringWriter();
    OutputStream err = new OutputStream() {
      @Override
      public void write(int b) {
        errors.write(b);
      }
    };
    if (javac.run(null, err, err, args.toArray(String[]::new)) != 0) {
      throw new AssertionError("javac failed: " + errors);
    }
    Path jar = out.resolve(name + ".jar");
    try (JarOutputStream stream = new JarOutputStream(Files.newOutputStream(jar))) {
      add(stream, classes);
      if (resources != null && Files.isDirectory(resources)) {
        add(stream, resources);
      }
    }
    return jar;
  }

  private static void add(JarOutputStream jar, Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      jar.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
      jar.write(Files.readAllBytes(file));
      jar.closeEntry();
    }
  }

  public static String text(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
