package dev.redfleet.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ObjIntConsumer;

/**
 * The outcomes of a finish call as {@code finish.lua} takes them: quadruples (claim token, indices,
 * attempt, outcome). Indices are one claim index in digits, or several packed: {@link #PACKED}
 * followed by 4 bytes an index (unsigned, big-endian), each an outcome with the same token, attempt
 * and outcome. Packing spares Redis three quarters of a call's arguments and a number parse per
 * outcome: a zero-delay finish of 1,000 outcomes names a few claims, each with one attempt, and
 * mostly one outcome ("" for success).
 */
public final class FinishOutcomes {
  /** The first byte of packed indices ('*': never the first character of an index in digits). */
  public static final byte PACKED = '*';

  private FinishOutcomes() {}

  /**
   * The quadruples packed: the outcomes with the same token, attempt and outcome go in one, in the
   * order their first outcome came; an outcome alone, or one whose index is not a number in
   * 1..{@link Integer#MAX_VALUE}, stays as it is (finish drops an index that names no delivery).
   *
   * <p>The order of the groups is kept, not that of every outcome. It matters only where one call
   * holds two outcomes of the same message (two deliveries of it, say one reaped and claimed again):
   * finish records the first it reads and counts the other as a duplicate, and which comes first
   * may then differ from the order they were added in. Both finished at about the same time, so
   * neither order is the right one; either way one outcome is recorded and the other is kept in the
   * errors list as a duplicate.
   */
  public static List<Object> pack(List<?> quadruples) {
    int count = quadruples.size() / 4;
    List<Group> groups = new ArrayList<>();
    Map<Group, Group> byKey = new HashMap<>();
    Group last = null;
    for (int k = 0; k < count; k++) {
      Object token = quadruples.get(4 * k);
      Object index = quadruples.get(4 * k + 1);
      Object attempt = quadruples.get(4 * k + 2);
      Object outcome = quadruples.get(4 * k + 3);
      int packable = packable(index);
      if (packable < 0) {
        Group alone = new Group(token, attempt, outcome);
        alone.loose = index;
        groups.add(alone);
        continue;
      }
      // outcomes come in runs of the same claim and outcome: the previous group first, then the map
      Group group = last != null && last.matches(token, attempt, outcome) ? last : null;
      if (group == null) {
        Group key = new Group(token, attempt, outcome);
        group = byKey.get(key);
        if (group == null) {
          group = key;
          byKey.put(key, key);
          groups.add(key);
        }
      }
      group.add(packable);
      last = group;
    }
    List<Object> args = new ArrayList<>(4 * groups.size());
    for (Group group : groups) {
      args.add(group.token);
      args.add(group.indices());
      args.add(group.attempt);
      args.add(group.outcome);
    }
    return args;
  }

  /**
   * Each delivery (token, index) that the quadruples in {@code args} from {@code first} on name,
   * packed or not; an index that is neither digits nor packed is skipped.
   */
  public static void forEachDelivery(List<?> args, int first, ObjIntConsumer<String> delivery) {
    for (int i = first; i + 1 < args.size(); i += 4) {
      String token = String.valueOf(args.get(i));
      Object indices = args.get(i + 1);
      if (indices instanceof byte[] bytes && bytes.length > 0 && bytes[0] == PACKED) {
        for (int at = 1; at + 4 <= bytes.length; at += 4) {
          int index = claimIndex(((bytes[at] & 0xffL) << 24) | ((bytes[at + 1] & 0xff) << 16)
              | ((bytes[at + 2] & 0xff) << 8) | (bytes[at + 3] & 0xff));
          if (index > 0) {
            delivery.accept(token, index);
          }
        }
      } else {
        int index = index(indices);
        if (index > 0) {
          delivery.accept(token, index);
        }
      }
    }
  }

  /** An index given as a whole number (not its digits) in 1..MAX_VALUE, or -1. */
  private static int packable(Object index) {
    return index instanceof Integer || index instanceof Long || index instanceof Short
        ? claimIndex(((Number) index).longValue()) : -1;
  }

  /** An outcome's index as the finish call carries it (a number, or its digits); -1 if neither. */
  private static int index(Object arg) {
    long index;
    if (arg instanceof Number n) {
      index = n.longValue();
    } else {
      try {
        index = Long.parseLong(String.valueOf(arg));
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return claimIndex(index);
  }

  /** {@code n} as a claim index, or -1: none is outside 1..MAX_VALUE, and a larger one must not wrap onto a real one. */
  private static int claimIndex(long n) {
    return n >= 1 && n <= Integer.MAX_VALUE ? (int) n : -1;
  }

  /** The outcomes of one token, attempt and outcome, as they come. */
  private static final class Group {
    final Object token;
    final Object attempt;
    final Object outcome;
    /** The index of an outcome kept as it came (not packable), else null. */
    Object loose;
    int[] indices = new int[8];
    int size;

    Group(Object token, Object attempt, Object outcome) {
      this.token = token;
      this.attempt = attempt;
      this.outcome = outcome;
    }

    boolean matches(Object token, Object attempt, Object outcome) {
      return Objects.equals(this.token, token) && Objects.equals(this.attempt, attempt) && Objects.equals(this.outcome, outcome);
    }

    void add(int index) {
      if (size == indices.length) {
        indices = Arrays.copyOf(indices, size * 2);
      }
      indices[size++] = index;
    }

    /** One index as a number, several packed, or the loose index as it came. */
    Object indices() {
      if (size == 0) {
        return loose;
      }
      if (size == 1) {
        return indices[0];
      }
      byte[] packed = new byte[1 + 4 * size];
      packed[0] = PACKED;
      for (int i = 0; i < size; i++) {
        int index = indices[i];
        int at = 1 + 4 * i;
        packed[at] = (byte) (index >>> 24);
        packed[at + 1] = (byte) (index >>> 16);
        packed[at + 2] = (byte) (index >>> 8);
        packed[at + 3] = (byte) index;
      }
      return packed;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && matches(g.token, g.attempt, g.outcome);
    }

    @Override
    public int hashCode() {
      return Objects.hash(token, attempt, outcome);
    }
  }
}
