package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.api.BlockingSource;
import dev.redfleet.api.Source;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.config.ConfigException;
import io.vertx.core.Future;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source names: the two modes, the built-in factories, classes, and one-line errors. */
class SourceLoaderTest {
  public static final class Async implements Source {
    @Override
    public Future<SourceBatch> next(String cursor, int max) {
      return Future.succeededFuture(SourceBatch.empty());
    }
  }

  public static final class Blocking implements BlockingSource {
    @Override
    public SourceBatch next(String cursor, int max) {
      return SourceBatch.empty();
    }
  }

  public abstract static class Abstract implements Source {}

  @Test
  void namesResolveToModesBuiltInsAndClasses() {
    assertThat(SourceLoader.load("simulated", "").kind()).isEqualTo(SourceSetup.Kind.SIMULATED);
    assertThat(SourceLoader.load(" none ", "").kind()).isEqualTo(SourceSetup.Kind.NONE);
    SourceSetup lines = SourceLoader.load("lines", "");
    assertThat(lines.kind()).isEqualTo(SourceSetup.Kind.PLUGGED);
    assertThat(lines.description()).isEqualTo("source 'lines' (dev.redfleet.source.LinesSourceFactory)");
    assertThat(SourceLoader.load("schedule", "").description()).isEqualTo("source 'schedule' (dev.redfleet.source.ScheduleSourceFactory)");
    assertThat(SourceLoader.load(Async.class.getName(), "").description()).isEqualTo("asynchronous source " + Async.class.getName());
    assertThat(SourceLoader.load(Blocking.class.getName(), "").description()).isEqualTo("blocking source " + Blocking.class.getName());
  }

  @Test
  void badNamesAreOneLineConfigErrors(@TempDir Path dir) {
    assertThatThrownBy(() -> SourceLoader.load("nosuch", "")).isInstanceOf(ConfigException.class)
        .hasMessage("source 'nosuch': no source of that name (known: simulated, none, lines, schedule) and no such class on the class path");
    assertThatThrownBy(() -> SourceLoader.load(" ", "")).hasMessage("source must not be empty (the default is 'simulated')");
    assertThatThrownBy(() -> SourceLoader.load("java.lang.String", "")).isInstanceOf(ConfigException.class)
        .hasMessage("source class java.lang.String does not implement dev.redfleet.api.Source, BlockingSource or SourceFactory");
    assertThatThrownBy(() -> SourceLoader.load(Abstract.class.getName(), "")).hasMessageEndingWith("is abstract: name a concrete class");
    assertThatThrownBy(() -> SourceLoader.load("lines", dir.resolve("missing").toString()))
        .hasMessageStartingWith("plugins directory ").hasMessageEndingWith("does not exist or is not a directory");
  }
}
