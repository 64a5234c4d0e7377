package dev.redfleet.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.config.Setting;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** run's options without picocli: what {@code Redfleet.node().args(...)} accepts and refuses. */
class NodeArgsTest {

  @Test
  void readsEverySettingsOptionBothWaysAndTheConfigFile() {
    NodeArgs args = NodeArgs.parse("--workers", "4", "--redis=redis://h:1", "--config", "my.json",
        "--redis-tls-verify-hostname", "false", "--source", "none");
    assertThat(args.settings()).isEqualTo(Map.of(Setting.WORKERS, "4", Setting.REDIS_URL, "redis://h:1",
        Setting.REDIS_TLS_VERIFY_HOSTNAME, "false", Setting.SOURCE, "none"));
    assertThat(args.configFile()).isEqualTo(Path.of("my.json"));
    assertThat(NodeArgs.parse().settings()).isEmpty();
    assertThat(NodeArgs.parse().configFile()).isNull();
    // a value may itself start with dashes or hold '='
    assertThat(NodeArgs.parse("--schedule-body", "--a=b").settings()).containsEntry(Setting.SCHEDULE_BODY, "--a=b");
  }

  @Test
  void acceptsTheOptionOfEverySettingButTheHttpToken() {
    for (Setting s : Setting.values()) {
      if (s == Setting.HTTP_TOKEN) {
        assertThatThrownBy(() -> NodeArgs.parse(s.option, "x")).isInstanceOf(NodeArgs.BadArgument.class)
            .hasMessage("Unknown option: '--http-token'");
      } else {
        assertThat(NodeArgs.parse(s.option, "1").settings()).containsEntry(s, "1");
      }
    }
  }

  @Test
  void refusesUnknownOptionsStrayArgumentsMissingValuesAndRepeats() {
    assertThatThrownBy(() -> NodeArgs.parse("--frobnicate")).hasMessage("Unknown option: '--frobnicate'");
    assertThatThrownBy(() -> NodeArgs.parse("--frobnicate=1")).hasMessage("Unknown option: '--frobnicate'");
    assertThatThrownBy(() -> NodeArgs.parse("--workers", "2", "extra")).hasMessage("Unmatched argument at index 2: 'extra'");
    assertThatThrownBy(() -> NodeArgs.parse("--workers")).hasMessage("Missing required parameter for option '--workers'");
    assertThatThrownBy(() -> NodeArgs.parse("--workers", "2", "--workers=3"))
        .hasMessage("option '--workers' should be specified only once");
    assertThatThrownBy(() -> NodeArgs.parse("--config", "a", "--config", "b"))
        .hasMessage("option '--config' should be specified only once");
  }
}
