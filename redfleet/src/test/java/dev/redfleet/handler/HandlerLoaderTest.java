package dev.redfleet.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerContext;
import dev.redfleet.api.HandlerFactory;
import dev.redfleet.api.Message;
import dev.redfleet.config.ConfigException;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Name lookup and the one-line errors, in this JVM (PluginIT covers the same through real processes). */
class HandlerLoaderTest {

  public static class Async implements Handler {
    @Override
    public Future<Void> handle(Message message) {
      return Future.succeededFuture();
    }
  }

  public abstract static class Abstract implements Handler {}

  static class Hidden extends Async {}

  public static class BrokenStatic extends Async {
    static {
      if (Boolean.TRUE) {
        throw new IllegalStateException("static boom");
      }
    }
  }

  public static class NamedFactory implements HandlerFactory {
    @Override
    public String name() {
      return "test-factory";
    }

    @Override
    public Handler create(HandlerContext context) {
      return new Async();
    }
  }

  @Test
  void theDefaultIsTheSimulatedHandlerFoundThroughServiceLoader() {
    assertThat(HandlerLoader.load("simulated", "").description())
        .isEqualTo("handler 'simulated' (dev.redfleet.handler.SimulatedHandlerFactory)");
  }

  @Test
  void classesOfEachKindLoadByName() {
    assertThat(HandlerLoader.load(Async.class.getName(), "").description()).isEqualTo("asynchronous handler " + Async.class.getName());
    assertThat(HandlerLoader.load(NamedFactory.class.getName(), "").description())
        .isEqualTo("handler 'test-factory' (" + NamedFactory.class.getName() + ")");
  }

  @Test
  void theRecordedNameIsTheFactoryNameOrTheClassAndTheSameForEveryLambdaOfAClass() {
    assertThat(HandlerLoader.load("simulated", "").name()).isEqualTo("simulated");
    assertThat(HandlerLoader.load(NamedFactory.class.getName(), "").name()).isEqualTo("test-factory");
    assertThat(HandlerLoader.load(Async.class.getName(), "").name()).isEqualTo(Async.class.getName());
    // a lambda's class name carries a number the JVM makes up per process: cut off, so that two
    // processes of one application record the same name
    Handler lambda = m -> null;
    assertThat(lambda.getClass().getName()).contains("$$Lambda");
    assertThat(HandlerSource.of(lambda).name()).isEqualTo(HandlerLoaderTest.class.getName() + "$$Lambda");
  }

  @Test
  void unusableClassesAreOneLineConfigErrors() {
    assertThatThrownBy(() -> HandlerLoader.load(Abstract.class.getName(), "")).isInstanceOf(ConfigException.class)
        .hasMessage("handler class " + Abstract.class.getName() + " is abstract: name a concrete class");
    assertThatThrownBy(() -> HandlerLoader.load(Hidden.class.getName(), ""))
        .hasMessage("handler class " + Hidden.class.getName() + " is not public");
    assertThatThrownBy(() -> HandlerLoader.load(BrokenStatic.class.getName(), ""))
        .hasMessage("handler class " + BrokenStatic.class.getName() + ": its static initializer threw IllegalStateException: static boom");
    assertThatThrownBy(() -> HandlerLoader.load(Handler.class.getName(), ""))
        .hasMessage("handler class dev.redfleet.api.Handler is abstract: name a concrete class");
    assertThatThrownBy(() -> HandlerLoader.load(" ", "")).hasMessageStartingWith("handler must not be empty");
  }

  @Test
  void aPluginsDirectoryMustExistAndMayHoldNoJar(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> HandlerLoader.load("simulated", dir.resolve("missing").toString()))
        .hasMessage("plugins directory " + dir.resolve("missing") + " does not exist or is not a directory");
    Files.writeString(dir.resolve("notes.txt"), "not a jar");
    assertThat(HandlerLoader.load("simulated", dir.toString()).description()).startsWith("handler 'simulated'");
  }
}
