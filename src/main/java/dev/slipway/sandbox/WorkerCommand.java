package dev.slipway.sandbox;

import java.io.File;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The command line that starts a sandbox worker (the socket it connects to is added last): this
 * JVM's {@code java}, class path and Graal module path, a heap cap that ends the process when a
 * script exhausts it, and the Graal JIT when it can work. The JIT needs the Graal jars on the
 * module path and the Graal compiler jar (named by the system property {@value #COMPILER_PROPERTY},
 * which {@code bin/slipway} sets) of exactly this JDK's version, on a JDK with JVMCI; otherwise
 * workers run scripts interpreted.
 *
 * <p>The JDK's own {@code jdk.graal.compiler} module hides the jar's unless the jar comes in with
 * {@code --upgrade-module-path}, and that option turns class data sharing off: each worker then
 * loads and links some 10,000 classes itself, seconds of CPU. So {@code bin/slipway} links a
 * runtime without that module for the workers ({@value #JAVA_PROPERTY}), where the jar joins the
 * module path, and an AOT cache of a trained worker ({@value #AOT_CACHE_PROPERTY}) halves a
 * worker's start.
 */
final class WorkerCommand {

  /**
   * How the names of the jars a worker needs on its class path start (the Graal jars come on the
   * module path): Slipway's own, Jackson and the YAML parser its shared mappers use, SWC's bindings
   * and logging.
   */
  static final List<String> WORKER_JARS =
      List.of("slipway-", "jackson-", "snakeyaml-", "swc4j-", "logback-", "slf4j-api-");

  /** System property naming the {@code org.graalvm.compiler:compiler} jar for the workers' JIT. */
  static final String COMPILER_PROPERTY = "slipway.graal.compiler";

  /**
   * System property with extra JVM options for the workers, separated by spaces (bin/slipway:
   * SLIPWAY_WORKER_JAVA_OPTS).
   */
  static final String OPTIONS_PROPERTY = "slipway.sandbox.worker-options";

  /**
   * System property naming the {@code java} of a runtime without {@code jdk.graal.compiler} for the
   * workers.
   */
  static final String JAVA_PROPERTY = "slipway.sandbox.java";

  /**
   * System property naming the workers' AOT cache ({@code -XX:AOTCache}), used when the file is
   * there.
   */
  static final String AOT_CACHE_PROPERTY = "slipway.sandbox.aot-cache";

  /**
   * System property naming a file where the first worker records the workers' AOT cache ({@code
   * -XX:AOTCacheOutput}), written when it ends at the sandbox's close: {@code slipway train}.
   */
  static final String AOT_RECORD_PROPERTY = "slipway.sandbox.aot-record";

  /** System property that keeps a worker's sandbox from logging whether it has the JIT. */
  static final String QUIET_PROPERTY = "slipway.sandbox.quiet";

  /**
   * System property that tells a worker it is one for guarded runs, which warms up no more than its
   * first context ({@link WorkerMain#warmUp}).
   */
  static final String GUARDED_PROPERTY = "slipway.sandbox.guarded";

  /**
   * System property that tells a worker to run below everything else on the machine, in a
   * scheduling group of its own ({@link SchedulingGroup}): a worker for guarded runs, where workers
   * are lowered at all.
   */
  static final String LOWEST_PROPERTY = "slipway.sandbox.lowest";

  private static final Path NICE = Path.of("/usr/bin/nice");
  private static final Path CHRT = Path.of("/usr/bin/chrt");

  private static final Pattern POLYGLOT_JAR =
      Pattern.compile("polyglot-([0-9][^" + Pattern.quote(File.separator) + "]*)\\.jar$");

  private final List<String> command;
  private final Optional<String> noJit;
  private final Optional<Path> aotCache;
  private final Optional<String> aotRecord;

  /** Where the java launcher is in {@link #command} (after nice or chrt, if any). */
  private final int launcher;

  private WorkerCommand(
      List<String> command,
      int launcher,
      Optional<String> noJit,
      Optional<Path> aotCache,
      Optional<String> aotRecord) {
    this.command = List.copyOf(command);
    this.launcher = launcher;
    this.noJit = noJit;
    this.aotCache = aotCache;
    this.aotRecord = aotRecord;
  }

  /**
   * @param heap the worker's {@code -Xmx} value, e.g. {@code 256m}
   * @param niceness how much lower than the server's the workers' scheduling priority is (0-19);
   *     any lowering is SCHED_IDLE where {@code chrt} can set it, 0 none
   * @param shortRunsAtServerPriority whether runs keep the server's priority for their first 10 ms
   *     ({@link RunnerThreads}), where threads have priorities of their own
   * @param swcLibrary SWC's native library, which the worker loads to strip TypeScript ({@link
   *     SwcLibrary})
   */
  static WorkerCommand of(
      String heap,
      int niceness,
      boolean shortRunsAtServerPriority,
      SandboxLimits limits,
      Optional<Path> swcLibrary) {
    return of(heap, niceness, shortRunsAtServerPriority, false, limits, swcLibrary);
  }

  /**
   * The command of a worker for guarded runs: the whole worker runs lower, and it does not warm up
   * its JIT for other scripts' sake ({@link WorkerMain#warmUp}).
   */
  static WorkerCommand guarded(
      String heap, int niceness, SandboxLimits limits, Optional<Path> swcLibrary) {
    return of(heap, niceness, false, true, limits, swcLibrary);
  }

  private static WorkerCommand of(
      String heap,
      int niceness,
      boolean shortRunsAtServerPriority,
      boolean guarded,
      SandboxLimits limits,
      Optional<Path> swcLibrary) {
    String modulePath = System.getProperty("jdk.module.path", "");
    Optional<String> noJit = whyNoJit(modulePath, System.getProperty(COMPILER_PROPERTY));
    List<String> command = new ArrayList<>();
    // scripts yield the CPU to the server's own work: a script burning a core until its timeout
    // then slows the endpoints that run no script much less. Where threads can have priorities of
    // their own (Linux), short runs keep the server's and runs that go on are lowered
    // (RunnerThreads); asked not to, or elsewhere, the whole worker runs lower: under SCHED_IDLE
    // where chrt can set it, else at the niceness given. (SCHED_IDLE rather than niceness, since on
    // Linux 6.6+ a server thread that wakes while a niced worker holds the CPU can wait out its
    // time slice; but under SCHED_IDLE no script runs at all while the server and its database keep
    // the CPUs busy.)
    boolean perThread = shortRunsAtServerPriority && niceness > 0 && ThreadPriorities.supported();
    boolean wholeWorkerLower = niceness > 0 && !perThread;
    if (wholeWorkerLower && Files.isExecutable(CHRT)) {
      command.addAll(List.of(CHRT.toString(), "--idle", "0"));
    } else if (wholeWorkerLower && Files.isExecutable(NICE)) {
      command.addAll(List.of(NICE.toString(), "-n", Integer.toString(niceness)));
    }
    Optional<Path> runtime =
        Optional.ofNullable(System.getProperty(JAVA_PROPERTY))
            .map(Path::of)
            .filter(Files::isExecutable);
    Optional<String> aotRecord = Optional.ofNullable(System.getProperty(AOT_RECORD_PROPERTY));
    Optional<Path> aotCache =
        runtime
            .flatMap(java -> Optional.ofNullable(System.getProperty(AOT_CACHE_PROPERTY)))
            .map(Path::of)
            .filter(Files::isRegularFile)
            .filter(cache -> aotRecord.isEmpty());
    int launcher = command.size();
    command.addAll(
        List.of(
            runtime.orElse(Path.of(System.getProperty("java.home"), "bin", "java")).toString(),
            "-Xmx" + heap,
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            // what its compilers free (Graal's own code, compiled by C2, takes up to 30 MB a
            // compile) goes back to the system within a second, not kept by the allocator
            "-XX:TrimNativeHeapInterval=1000",
            // a crash (a script cannot cause one; native code such as SWC's could) writes no report
            // file into the temporary directory, crash after crash; the server logs the exit status
            "-XX:ErrorFile=/dev/null",
            "-XX:-CreateCoredumpOnCrash",
            // Truffle uses sun.misc.Unsafe; JDK 25 warns about it otherwise
            "--sun-misc-unsafe-memory-access=allow",
            // the server has said whether scripts get the JIT; the workers need not say it again
            "-D" + QUIET_PROPERTY + "=true",
            "-D" + GUARDED_PROPERTY + "=" + guarded,
            "-D" + LOWEST_PROPERTY + "=" + (guarded && wholeWorkerLower)));
    aotCache.ifPresent(cache -> command.add("-XX:AOTCache=" + cache));
    // the compiler jar joins the module path where the workers' runtime has no compiler module of
    // its own
    boolean compilerOnModulePath = noJit.isEmpty() && runtime.isPresent();
    if (!modulePath.isEmpty()) {
      command.addAll(
          List.of(
              "--module-path",
              compilerOnModulePath
                  ? modulePath + File.pathSeparator + System.getProperty(COMPILER_PROPERTY)
                  : modulePath,
              "--add-modules",
              compilerOnModulePath
                  ? "org.graalvm.polyglot,jdk.graal.compiler"
                  : "org.graalvm.polyglot",
              "--enable-native-access=org.graalvm.truffle,ALL-UNNAMED"));
    } else {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    if (noJit.isEmpty()) {
      command.addAll(List.of("-XX:+UnlockExperimentalVMOptions", "-XX:+EnableJVMCI"));
      if (!compilerOnModulePath) {
        command.add("--upgrade-module-path=" + System.getProperty(COMPILER_PROPERTY));
      }
    } else {
      command.add("-Dpolyglot.engine.WarnInterpreterOnly=false");
    }
    swcLibrary.ifPresent(library -> command.add("-D" + SwcLibrary.PROPERTY + "=" + library));
    for (String option : System.getProperty(OPTIONS_PROPERTY, "").trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            classPath(System.getProperty("java.class.path")),
            WorkerMain.class.getName(),
            Long.toString(limits.timeout().toMillis()),
            Long.toString(limits.statementLimit()),
            Integer.toString(perThread ? niceness : 0)));
    return new WorkerCommand(command, launcher, noJit, aotCache, aotRecord);
  }

  /**
   * The part of the server's class path a worker loads from: directories, the Graal jars (those
   * that carry the polyglot jar's version, where they are not on the module path, as in tests), and
   * the jars whose file names start as {@link #WORKER_JARS} do. The JDK keeps the central directory
   * of every jar a class loader has opened on the heap for as long as the process runs, and a class
   * or resource missing from the earlier jars opens them all: the server's whole class path cost
   * each worker 14 MB of its heap (5 MB the OpenAI SDK's alone), for jars no worker loads from.
   */
  static String classPath(String serverClassPath) {
    List<String> entries = List.of(serverClassPath.split(File.pathSeparator));
    Optional<String> graalJars =
        entries.stream()
            .map(POLYGLOT_JAR::matcher)
            .filter(Matcher::find)
            .map(polyglot -> "-" + polyglot.group(1) + ".jar")
            .findFirst();
    return entries.stream()
        .filter(
            entry -> {
              String name = fileName(entry);
              return !name.endsWith(".jar")
                  || WORKER_JARS.stream().anyMatch(name::startsWith)
                  || graalJars.filter(name::endsWith).isPresent();
            })
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String fileName(String classPathEntry) {
    return classPathEntry.substring(classPathEntry.lastIndexOf(File.separatorChar) + 1);
  }

  /** The command of worker {@code number} (from 1). */
  List<String> command(int number) {
    if (!records(number)) {
      return command;
    }
    List<String> recording = new ArrayList<>(command);
    recording.add(launcher + 1, "-XX:AOTCacheOutput=" + aotRecord.get());
    return recording;
  }

  /** Whether worker {@code number} records the AOT cache: it must end by itself to write it. */
  boolean records(int number) {
    return number == 1 && aotRecord.isPresent();
  }

  /** The AOT cache the workers start from, if any. */
  Optional<Path> aotCache() {
    return aotCache;
  }

  /** Why the workers cannot use the Graal JIT, or empty when they can. */
  Optional<String> noJit() {
    return noJit;
  }

  private static Optional<String> whyNoJit(String modulePath, String compilerJar) {
    String graalVersion = null;
    for (String entry : modulePath.split(File.pathSeparator)) {
      Matcher polyglot = POLYGLOT_JAR.matcher(entry);
      if (polyglot.find()) {
        graalVersion = polyglot.group(1);
      }
    }
    if (graalVersion == null) {
      return Optional.of("the Graal jars are not on the module path");
    }
    if (compilerJar == null || !Files.isRegularFile(Path.of(compilerJar))) {
      return Optional.of("no Graal compiler jar (system property " + COMPILER_PROPERTY + ")");
    }
    Runtime.Version jdk = Runtime.version();
    String jdkVersion = jdk.feature() + "." + jdk.interim() + "." + jdk.update();
    if (!jdkVersion.equals(graalVersion)) {
      return Optional.of("Graal " + graalVersion + " does not match JDK " + jdkVersion);
    }
    if (ModuleFinder.ofSystem().find("jdk.internal.vm.ci").isEmpty()) {
      return Optional.of("this JDK has no JVMCI (jdk.internal.vm.ci)");
    }
    return Optional.empty();
  }
}
