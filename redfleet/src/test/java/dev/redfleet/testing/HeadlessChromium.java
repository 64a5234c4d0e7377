package dev.redfleet.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live page as a browser sees it: headless Chromium loads a URL, lets the page's scripts run for
 * a few (virtual) seconds and returns the DOM, or takes a screenshot.
 */
public final class HeadlessChromium {
  private HeadlessChromium() {}

  /** The DOM after the page's scripts ran for 4 virtual seconds. */
  public static String dumpDom(String url) throws IOException, InterruptedException {
    return run(List.of("--dump-dom", url));
  }

  /** A 1280 x 900 screenshot of the page, after its scripts ran for 4 virtual seconds, written to {@code file}. */
  public static void screenshot(String url, Path file) throws IOException, InterruptedException {
    run(List.of("--screenshot=" + file, "--window-size=1280,900", url));
  }

  /** Runs headless Chromium with these arguments in a fresh profile; returns what it printed. */
  private static String run(List<String> args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("redfleet-chromium");
    Path out = Files.createTempFile("redfleet-chromium", ".html");
    List<String> command = new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--virtual-time-budget=4000"));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish within 90 s");
      }
    } finally {
      p.destroyForcibly();
    }
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    Files.deleteIfExists(out);
    try (var paths = Files.walk(profile)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    return printed;
  }

  static String binary() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        File candidate = new File(dir, name);
        if (candidate.canExecute()) {
          return candidate.getPath();
        }
      }
    }
    throw new AssertionError("this test needs headless Chromium on the PATH (.ci/run installs the Debian package 'chromium')");
  }
}
