package dev.redfleet.liveness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientLivenessTest {
  private static final String LIST =
      "id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=rf-3f2a9c0d1b7e-aa age=3 idle=0 flags=N db=0\n"
          + "id=9 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=9 name= age=3 idle=0 flags=N db=0\n";

  @Test
  void aConnectionIsAliveOnlyWithItsIdAndItsName() {
    Set<String> alive = ClientLiveness.parse(LIST, Set.of("7@rf-3f2a9c0d1b7e-aa", "9@rf-3f2a9c0d1b7e-bb",
        "8@rf-3f2a9c0d1b7e-cc"));
    // 9 exists but with another name: after a restart ids are reused by other connections
    assertThat(alive).containsExactly("7@rf-3f2a9c0d1b7e-aa");
  }

  @Test
  void anAnchorIsEvidenceOfDeathOnlyOnTheSameServerProcess() {
    assertThat(Anchor.sameServer("7@rf-3f2a9c0d1b7e-aa", "9@rf-3f2a9c0d1b7e-bb")).isTrue();
    assertThat(Anchor.sameServer("7@rf-3f2a9c0d1b7e-aa", "9@rf-000000000001-bb")).isFalse();
    assertThat(Anchor.sameServer("7@rf-0-aa", "9@rf-0-bb")).as("run id unknown").isFalse();
    assertThat(Anchor.runId("# Server\r\nredis_version:7.0.15\r\nrun_id:3f2a9c0d1b7e99887766\r\n")).isEqualTo("3f2a9c0d1b7e");
    assertThat(ClientLiveness.clientId("17@rf-x-y")).isEqualTo(17);
    assertThat(ClientLiveness.clientId("garbage")).isEqualTo(-1);
  }

  @Test
  void anAnchorOfAnotherServerIsStaleOnlyWhenBothServersAreKnown() {
    assertThat(Anchor.mayBeOn("7@rf-3f2a9c0d1b7e-aa", "3f2a9c0d1b7e99887766")).isTrue();
    assertThat(Anchor.mayBeOn("7@rf-3f2a9c0d1b7e-aa", "000000000001aabbccdd")).as("a restarted server").isFalse();
    assertThat(Anchor.mayBeOn("7@rf-0-aa", "000000000001aabbccdd")).as("the anchor's server unknown").isTrue();
    assertThat(Anchor.mayBeOn("7@rf-3f2a9c0d1b7e-aa", "?")).as("INFO refused to the floors check").isTrue();
    assertThat(Anchor.mayBeOn("7@rf-3f2a9c0d1b7e-aa", "")).as("no floors check yet").isTrue();
  }
}
