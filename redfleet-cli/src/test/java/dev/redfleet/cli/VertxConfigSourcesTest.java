package dev.redfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.config.ConfigException;
import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's configuration, read through vertx-config, follows the same rules as the library's. */
class VertxConfigSourcesTest {
  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private FleetConfig load(String json, Map<String, String> env, Map<Setting, String> cli) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return ConfigLoader.load(vertx, file, env, cli, VertxConfigSources.INSTANCE);
  }

  @Test
  void theFileIsReadAndTheEnvironmentBeatsItAndTheCommandLineBeatsBoth() throws Exception {
    FleetConfig c = load("{\"namespace\":\"from-file\",\"workers\":3,\"attempts\":4}",
        Map.of("REDFLEET_WORKERS", "5", "REDFLEET_ATTEMPTS", "6", "UNRELATED", "x"),
        Map.of(Setting.ATTEMPTS, "7"));
    assertThat(c.namespace()).isEqualTo("from-file");
    assertThat(c.workers()).isEqualTo(5);
    assertThat(c.attempts()).isEqualTo(7);
  }

  @Test
  void aFileThatIsNotJsonIsOneLineNamingIt() throws Exception {
    assertThatThrownBy(() -> load("{\"workers\": 3,", Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cannot read config file " + dir.resolve("config.json"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void anEnvironmentVariableNameInTheFileIsRefusedAsInTheLibrary() throws Exception {
    assertThatThrownBy(() -> load("{\"REDFLEET_WORKERS\": 3}", Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting 'REDFLEET_WORKERS'");
  }
}
