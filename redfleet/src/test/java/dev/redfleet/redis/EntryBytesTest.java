package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The id and epoch at the start of an entry, read from its bytes as the floors read them. */
class EntryBytesTest {

  private static long[] read(String raw) {
    return EntryBytes.idAndEpoch(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theIdAndEpochOfAnEntryTheScriptsWrote() {
    assertThat(read("{\"id\":42,\"epoch\":7,\"ts\":1,\"body\":\"x\"}")).containsExactly(42, 7);
    assertThat(read("{\"id\":9007199254740991,\"epoch\":0,\"body\":\"x\"}")).containsExactly(9007199254740991L, 0);
  }

  @Test
  void anythingElseIsMinusOne() {
    assertThat(read("{\"id\":42,\"ts\":1}")).containsExactly(-1, -1);
    assertThat(read("garbage")).containsExactly(-1, -1);
    assertThat(read("")).containsExactly(-1, -1);
    assertThat(read("{\"id\":,\"epoch\":1,")).containsExactly(-1, -1);
    // more digits than a long's 18 safe ones: not an id the scripts wrote
    assertThat(read("{\"id\":1234567890123456789,\"epoch\":1,")).containsExactly(-1, -1);
    // Arabic-Indic digits are not digits here, as in the claim script's %d
    assertThat(read("{\"id\":\u0661,\"epoch\":1,")).containsExactly(-1, -1);
    // an id with no epoch digits: the id, and -1 for the epoch
    assertThat(read("{\"id\":5,\"epoch\":x")).containsExactly(5, -1);
  }
}
