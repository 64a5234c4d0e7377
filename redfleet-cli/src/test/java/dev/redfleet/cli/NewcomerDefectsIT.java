package dev.redfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, "Newcomer defects", as a user meets them. Item 1: a short, common password ({@code e},
 * {@code wrong}, {@code redis}, {@code password}) is hidden by where it stands (URL, option,
 * environment), never by searching the text for it: the error lines stay readable, word for word.
 * Item 2: {@code getErrors --limit 0} is refused and touches nothing. Item 7: the README's
 * {@code plugins/} directory is not offered to git. Item 8: no {@code --help}
 * splits a URL across lines.
 */
class NewcomerDefectsIT {
  private static final String REFUSED = "redfleet: Redis refused this client: Redis refused the credentials: "
      + "wrong user name or password, or the ACL user is disabled (redis://:***@127.0.0.1:%d)";

  @ParameterizedTest(name = "password {0}")
  @ValueSource(strings = {"e", "wrong", "redis", "password"})
  void aShortCommonPasswordLeavesTheErrorLinesReadable(String password) throws Exception {
    try (RedisServer server = RedisServer.start("--requirepass", "Right-Pw-7q")) {
      String host = "127.0.0.1:" + server.port();
      String refused = String.format(REFUSED, server.port());
      // in the URL, as an option, in the environment: the same readable line, exit 4
      assertLine(FleetProcess.oneShot(List.of("status", "--redis", "redis://:" + password + "@" + host)), 4, refused);
      assertLine(FleetProcess.oneShot(List.of("status", "--redis", "redis://" + host, "--redis-password", password)), 4, refused);
      assertLine(FleetProcess.oneShot(List.of("getErrors", "--redis", "redis://" + host), Map.of("REDIS_PASSWORD", password)),
          4, refused);
      assertLine(FleetProcess.oneShot(List.of("send", "--redis", "redis://" + host, "hello"), Map.of("REDIS_PASSWORD", password)),
          4, refused);
      // unreachable: the URL keeps its host and port, the message its words
      int nobody = RedisServer.freePort();
      FleetProcess.Result down = FleetProcess.oneShot(List.of("status", "--redis", "redis://:" + password + "@127.0.0.1:" + nobody));
      assertThat(down.exitCode()).as(down.stderr()).isEqualTo(3);
      assertThat(down.stderr().strip()).isEqualTo("redfleet: Redis unreachable at redis://:***@127.0.0.1:" + nobody
          + ": Connection refused: /127.0.0.1:" + nobody);
      // a misspelt password option: its value is not quoted back as an unknown argument
      assertLine(FleetProcess.oneShot(List.of("status", "--redis-pasword", password)), 2,
          "redfleet: Unknown options: '--redis-pasword', '***' (try --help)");
      assertLine(FleetProcess.oneShot(List.of("status", "--redis-pasword=" + password)), 2,
          "redfleet: Unknown option: '--redis-pasword=***' (try --help)");
    }
  }

  /** Exactly one line on stderr, exactly {@code line}: nothing garbled, nothing of the secret added. */
  static void assertLine(FleetProcess.Result r, int exit, String line) {
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(exit);
    assertThat(r.stderr().lines().filter(l -> !l.isBlank()).toList()).as(r.stderr()).containsExactly(line);
  }

  @Test
  void getErrorsLimitZeroIsRefusedAndLeavesEveryEntryInRedis() throws Exception {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      redis.fillErrors(5);
      for (List<String> extra : List.of(List.of("--limit", "0"), List.of("--limit", "0", "--keep"), List.of("--limit", "-1"))) {
        List<String> args = new java.util.ArrayList<>(List.of("getErrors", "--redis", server.url()));
        args.addAll(extra);
        FleetProcess.Result r = FleetProcess.oneShot(args);
        assertLine(r, 2, "redfleet: --limit must be 1 or more, got " + extra.get(1)
            + " (leave --limit out to take every entry) (try --help)");
        assertThat(r.stdout()).as("nothing printed").isEmpty();
        assertThat(redis.number("LLEN", redis.keys.errors())).as("entries after " + extra).isEqualTo(5);
      }
      // the smallest limit there is takes exactly one, the oldest
      FleetProcess.Result one = FleetProcess.oneShot(List.of("getErrors", "--redis", server.url(), "--limit", "1", "--json"));
      assertThat(one.exitCode()).as(one.stderr()).isZero();
      assertThat(one.stdout().lines().toList()).hasSize(1).first().asString().startsWith("{\"id\":1,");
      assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(4);
    }
  }

  /** A URL cut after its scheme's colon, or after a colon, comma, @ or [ inside it, at a line's end. */
  private static final Pattern URL_CUT = Pattern.compile("(?m)(\\b(redis|rediss|unix|redis-sentinel|redis-cluster|rediss-sentinel"
      + "|rediss-cluster):$|://\\S*[:,@\\[]$|^\\s*//)");

  @Test
  void noHelpSplitsAUrl() {
    for (String command : List.of("", "run", "send", "getErrors", "get-errors", "status", "requeue-errors", "pause", "resume",
        "bench", "demo")) {
      List<String> args = command.isEmpty() ? List.of("--help") : List.of(command, "--help");
      FleetProcess.Result help = FleetProcess.oneShot(args);
      assertThat(help.exitCode()).as(command + " " + help.stderr()).isZero();
      assertThat(URL_CUT.matcher(help.stdout()).find()).as(command + " --help:\n" + help.stdout()).isFalse();
      if (!command.isEmpty() && !command.equals("demo")) {
        assertThat(help.stdout()).as(command).contains("Default: redis://localhost:6379")
            .contains("redis://[user[:password]@]host:port[/db]").contains("redis-sentinel://host:port,host:port");
      }
    }
  }

  /** The README's plug-in recipe makes plugins/file-handler.jar in the checkout: git must not offer it. */
  @Test
  void thePluginsDirectoryOfTheReadmeRecipeIsIgnoredByGit() throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("git", "check-ignore", "-q", "plugins/file-handler.jar").redirectErrorStream(true).start();
    } catch (java.io.IOException noGit) {
      org.junit.jupiter.api.Assumptions.abort("no git: " + noGit.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int code = p.waitFor();
    // 128: not a git checkout (a source archive): nothing to check
    org.junit.jupiter.api.Assumptions.assumeTrue(code != 128, "not a git checkout: " + out);
    assertThat(code).as("git check-ignore plugins/file-handler.jar: " + out).isZero();
  }
}
