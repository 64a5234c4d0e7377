package dev.redfleet.redis;

import static dev.redfleet.testing.Entries.entry;
import static dev.redfleet.testing.Entries.sent;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The id and epoch at the start of an entry (lua/lib/entry.lua), read from its bytes as the floors read them. */
class EntryBytesTest {

  private static long[] read(String raw) {
    return EntryBytes.idAndEpoch(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theIdAndEpochOfAnEntryTheScriptsWrote() {
    assertThat(read(entry(42, 7, 1, 1, "x"))).containsExactly(42, 7);
    assertThat(read(sent(9007199254740991L, 0, 0, "", "x"))).containsExactly(9007199254740991L, 0);
  }

  @Test
  void anythingElseIsMinusOne() {
    // an id with no field after it
    assertThat(read("42")).containsExactly(-1, -1);
    assertThat(read("42,7:1:1:0:0:x")).containsExactly(-1, -1);
    assertThat(read("garbage")).containsExactly(-1, -1);
    assertThat(read("")).containsExactly(-1, -1);
    // an entry of the JSON layout (data format 4 and 5)
    assertThat(read("{\"id\":42,\"epoch\":7,\"ts\":1,\"body\":\"x\"}")).containsExactly(-1, -1);
    // an empty id
    assertThat(read(":1:0:1:0:0:x")).containsExactly(-1, -1);
    // more digits than a long's 18 safe ones: not an id the scripts wrote
    assertThat(read("1234567890123456789:1:0:1:0:0:x")).containsExactly(-1, -1);
    // Arabic-Indic digits are not digits here, as in the claim script's %d
    assertThat(read("\u0661:1:0:1:0:0:x")).containsExactly(-1, -1);
    // an id with no epoch digits: the id, and -1 for the epoch
    assertThat(read("5:x")).containsExactly(5, -1);
  }
}
