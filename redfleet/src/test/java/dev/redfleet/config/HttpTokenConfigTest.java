package dev.redfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** httpToken from the environment, the file or httpTokenFile, read at load; errors never show it. */
class HttpTokenConfigTest {
  private static final String TOKEN = "tok-3f9a1c77e2";
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

  private FleetConfig load(Map<String, String> env, Map<Setting, String> cli) {
    return ConfigLoader.load(vertx, null, env, cli);
  }

  @Test
  void theTokenComesFromTheEnvironmentOrTheFirstLineOfTheFile() throws Exception {
    assertThat(load(Map.of(), Map.of()).httpToken()).isEmpty();
    assertThat(load(Map.of("REDFLEET_HTTP_TOKEN", TOKEN), Map.of()).httpToken()).isEqualTo(TOKEN);
    Path file = Files.writeString(dir.resolve("token"), "  " + TOKEN + "  \nsecond line\n");
    FleetConfig fromFile = load(Map.of(), Map.of(Setting.HTTP_TOKEN_FILE, file.toString()));
    assertThat(fromFile.httpToken()).isEqualTo(TOKEN);
    assertThat(fromFile.toString()).doesNotContain(TOKEN);
  }

  @Test
  void aMissingEmptyOrDoubledTokenIsAConfigurationErrorThatNeverShowsIt() throws Exception {
    assertThatThrownBy(() -> load(Map.of(), Map.of(Setting.HTTP_TOKEN_FILE, dir.resolve("nope").toString())))
        .isInstanceOf(ConfigException.class).hasMessage("cannot read httpTokenFile " + dir.resolve("nope") + ": no such file");
    Path empty = Files.writeString(dir.resolve("empty"), "\n  \n");
    assertThatThrownBy(() -> load(Map.of(), Map.of(Setting.HTTP_TOKEN_FILE, empty.toString())))
        .isInstanceOf(ConfigException.class).hasMessage("httpTokenFile " + empty + " is empty");
    assertThatThrownBy(() -> load(Map.of(), Map.of(Setting.HTTP_TOKEN_FILE, dir.toString())))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("cannot read httpTokenFile " + dir);
    Path file = Files.writeString(dir.resolve("token"), TOKEN);
    assertThatThrownBy(() -> load(Map.of("REDFLEET_HTTP_TOKEN", TOKEN), Map.of(Setting.HTTP_TOKEN_FILE, file.toString())))
        .isInstanceOf(ConfigException.class).hasMessage("httpToken and httpTokenFile are both set: give the token one way only");
    Path spaced = Files.writeString(dir.resolve("spaced"), "two " + TOKEN);
    assertThatThrownBy(() -> load(Map.of(), Map.of(Setting.HTTP_TOKEN_FILE, spaced.toString())))
        .isInstanceOf(ConfigException.class).message().doesNotContain(TOKEN).contains("visible ASCII");
    assertThatThrownBy(() -> load(Map.of("REDFLEET_HTTP_TOKEN", TOKEN + "\u00e9"), Map.of()))
        .isInstanceOf(ConfigException.class).message().doesNotContain(TOKEN).isEqualTo("httpToken may only hold visible ASCII characters (no spaces)");
  }
}
