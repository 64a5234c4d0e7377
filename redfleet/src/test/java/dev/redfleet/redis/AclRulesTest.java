package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every command a script calls is in the documented ACL rule set: ACLs apply inside scripts, so a
 * command added to a script and not to {@link AclRules} stops every fleet that runs with the
 * documented user (EXISTS in produce.lua and claim.lua, LREM in requeue-error.lua were missed once).
 */
class AclRulesTest {
  private static final Pattern CALL = Pattern.compile("redis\\.p?call\\(\\s*'([A-Za-z]+)'");

  @Test
  void everyCommandTheScriptsCallIsInTheRuleSet() {
    Set<String> called = new TreeSet<>();
    for (Script script : Script.values()) {
      Matcher m = CALL.matcher(script.source());
      while (m.find()) {
        called.add(m.group(1).toLowerCase(Locale.ROOT));
      }
    }
    assertThat(called).contains("exists", "lrem", "lpush", "time");
    assertThat(AclRules.SCRIPT_COMMANDS).containsAll(called);
    for (String command : called) {
      assertThat(AclRules.rules("ns")).contains(" +" + command);
    }
  }
}
