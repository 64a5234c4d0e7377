package dev.redfleet.ops;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the exits a {@code run} process means from the ones something else in it starts. A
 * handler that calls {@code System.exit(0)} used to end the node with status 0, which a
 * supervisor reads as a clean, wanted end. The node's shutdown hook calls
 * {@link #haltIfUnexpected} once the node has left the fleet (lease released, running handlers
 * drained, the rest returned to the queue, exactly as on SIGTERM), and that ends such a process
 * with {@link #STATUS}.
 *
 * <p>What Java 17 allows, and why this way:
 * <ul>
 *   <li>A {@code SecurityManager} refusing {@code checkExit} is deprecated for removal (JEP 411),
 *       warns on 17, is refused by default from 18 and gone in 24; and it would throw into the
 *       handler instead of letting the node leave.
 *   <li>A shutdown hook cannot read the status given to {@code System.exit} (no API on 17), so it
 *       cannot tell {@code exit(0)} from {@code exit(3)}: every exit the node did not start ends
 *       with {@link #STATUS}, whatever status was asked for.
 *   <li>It can tell who started the exit: while the hooks run, the thread that called
 *       {@code Runtime.exit} waits inside {@code java.lang.Shutdown.exit}, visible in
 *       {@link Thread#getAllStackTraces()}. A signal the JVM turns into an exit (TERM, INT, HUP)
 *       comes from its {@code java.lang.Terminator} handler on a thread named {@code SIG<NAME>
 *       handler}: such an exit keeps its status (143 for SIGTERM). Exits the node starts itself go
 *       through {@link #exit} or {@link #expect}. Chaining {@code sun.misc.Signal} handlers would
 *       also show the signals, at the cost of an internal API (a compiler warning per use) and of
 *       replacing the JVM's handlers; reading the stacks changes nothing in the process.
 *   <li>{@code Runtime.halt} from the hook ends the process with the given status at once (other
 *       hooks still running are cut short): it comes last, after the node's own leave.
 * </ul>
 * If no thread is found in {@code Shutdown.exit} (a JDK that changed its internals, or a JVM
 * ending because its last thread ended) the status is left alone.
 */
public final class ExitGuard {
  private static final Logger log = LoggerFactory.getLogger(ExitGuard.class);

  /** The status of a process that something other than the node (a handler, say) made exit. */
  public static final int STATUS = 1;

  /** Why the node itself ends the process, once it has said so. */
  private static final AtomicReference<String> expected = new AtomicReference<>();

  private ExitGuard() {}

  /** The node ends the process on purpose: {@code System.exit(status)}, known as intended. */
  public static void exit(int status, String why) {
    expect(why);
    System.exit(status);
  }

  /** Notes an exit about to be started on purpose (the launcher's own {@code System.exit}). */
  public static void expect(String why) {
    expected.compareAndSet(null, why);
  }

  /**
   * Called from the shutdown hook once the node has left (or given up leaving: {@code left}
   * false): if the exit was started neither by the node nor by a signal, logs who called
   * {@code System.exit} and halts with {@link #STATUS}. Returns otherwise.
   */
  public static void haltIfUnexpected(boolean left) {
    if (expected.get() != null) {
      return;
    }
    Exiting exiting = exiting();
    if (exiting == null || exiting.signal()) {
      return;
    }
    log.error("something in this process other than the node called System.exit ({}); {}, and the process ends with "
        + "status {} instead of the one asked for", exiting.caller(), left ? "the node has left the fleet as on SIGTERM"
        : "the node's leave did not complete (what it holds is requeued once its connections are gone)", STATUS);
    Runtime.getRuntime().halt(STATUS);
  }

  /** The thread waiting in {@code System.exit}: whether a signal started it, and who called it. */
  record Exiting(boolean signal, String caller) {}

  static Exiting exiting() {
    for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
      StackTraceElement[] frames = thread.getValue();
      for (int i = 0; i < frames.length; i++) {
        if (!frames[i].getClassName().equals("java.lang.Shutdown") || !frames[i].getMethodName().equals("exit")) {
          continue;
        }
        String name = thread.getKey().getName();
        boolean signal = name.startsWith("SIG") && name.endsWith(" handler");
        String caller = "on thread " + name;
        for (int j = i + 1; j < frames.length; j++) {
          String c = frames[j].getClassName();
          if (c.equals("java.lang.Terminator") || c.startsWith("java.lang.Terminator$")) {
            signal = true;
          }
          if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.") && caller.startsWith("on ")) {
            caller = "called from " + frames[j] + " on thread " + name;
          }
        }
        return new Exiting(signal, caller);
      }
    }
    return null;
  }
}
