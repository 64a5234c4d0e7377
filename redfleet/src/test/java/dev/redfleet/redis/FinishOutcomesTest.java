package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FinishOutcomesTest {
  private static List<String> deliveries(List<?> args) {
    List<String> named = new ArrayList<>();
    FinishOutcomes.forEachDelivery(args, 0, (token, index) -> named.add(token + "#" + index));
    return named;
  }

  @Test
  void outcomesAlikeGoInOneQuadrupleInTheOrderTheirFirstCame() {
    List<Object> quadruples = List.of(
        "a", 1, 1, "", "a", 2, 1, "boom", "b", 1, 2, "", "a", 3, 1, "", "a", 70000, 1, "boom", "a", 4, 2, "");
    List<Object> packed = FinishOutcomes.pack(quadruples);
    assertThat(packed).hasSize(16);
    assertThat(packed.get(0)).isEqualTo("a");
    assertThat((byte[]) packed.get(1)).containsExactly('*', 0, 0, 0, 1, 0, 0, 0, 3);
    assertThat(packed.subList(2, 4)).containsExactly(1, "");
    assertThat((byte[]) packed.get(5)).containsExactly('*', 0, 0, 0, 2, 0, 1, 0x11, 0x70);
    assertThat(packed.subList(6, 8)).containsExactly(1, "boom");
    // alone: as it came
    assertThat(packed.subList(8, 12)).containsExactly("b", 1, 2, "");
    assertThat(packed.subList(12, 16)).containsExactly("a", 4, 2, "");
    assertThat(deliveries(packed)).containsExactly("a#1", "a#3", "a#2", "a#70000", "b#1", "a#4");
  }

  @Test
  void anIndexThatIsNoNumberInRangeStaysAsItCame() {
    List<Object> quadruples = List.of("a", "7", 1, "", "a", 0, 1, "", "a", 5, 1, "", "a", 6, 1, "");
    List<Object> packed = FinishOutcomes.pack(quadruples);
    assertThat(packed.subList(0, 4)).containsExactly("a", "7", 1, "");
    assertThat(packed.subList(4, 8)).containsExactly("a", 0, 1, "");
    assertThat(packed).hasSize(12);
    assertThat(deliveries(packed)).containsExactly("a#7", "a#5", "a#6");
  }
}
