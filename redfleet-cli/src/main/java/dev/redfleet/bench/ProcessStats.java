package dev.redfleet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak RSS and CPU time of a live process, read from Linux' /proc. */
record ProcessStats(long peakRssBytes, double cpuSeconds) {
  /** Kernel clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100.0;

  static ProcessStats of(long pid) {
    try {
      long peakKb = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          peakKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // fields after the command name, which is in parentheses and may contain spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return new ProcessStats(peakKb * 1024, ticks / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return new ProcessStats(-1, -1);
    }
  }
}
