package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedisFailuresTest {
  /** The reply of Redis 7.0 when an ACL refuses a call made inside a script: the line, not the command. */
  private static Throwable refusedInside(Script script, int line) {
    return new RuntimeException("ERR The user executing the script can't run this command or subcommand script: "
        + script.sha() + ", on @user_script:" + line + ".");
  }

  private static int lineOf(Script script, String text) {
    List<String> lines = List.of(script.source().split("\n", -1));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in " + script.fileName());
  }

  @Test
  void anAclRefusalInsideAScriptIsPermanentAndNamesTheCommandOnThatLine() {
    int line = lineOf(Script.ERRORS_CLAIM, "redis.call('ZADD'");
    var permanent = RedisFailures.permanent(refusedInside(Script.ERRORS_CLAIM, line));
    assertThat(permanent).isPresent();
    assertThat(permanent.get().kind()).isEqualTo(RedisFailures.Kind.REFUSED);
    assertThat(permanent.get().reason())
        .contains("may not run 'zadd' (called by the fleet's script 'errors-claim.lua'): add the rule +zadd");
  }

  @Test
  void aLineWithoutACallOrAScriptThatIsNotOursStillEndsWithTheRuleSetToGive() {
    var comment = RedisFailures.permanent(refusedInside(Script.ERRORS_CLAIM, 1));
    assertThat(comment).isPresent();
    assertThat(comment.get().reason()).contains("a command the fleet's script 'errors-claim.lua' calls")
        .contains("docs/DEPLOYMENTS.md");
    var unknown = RedisFailures.permanent(new RuntimeException("ERR The user executing the script can't run this "
        + "command or subcommand script: " + "0".repeat(40) + ", on @user_script:3."));
    assertThat(unknown).isPresent();
    assertThat(unknown.get().reason()).contains("script (unknown)");
  }

  @Test
  void aDownServerIsNotPermanent() {
    assertThat(RedisFailures.permanent(new java.net.ConnectException("Connection refused"))).isEmpty();
  }
}
