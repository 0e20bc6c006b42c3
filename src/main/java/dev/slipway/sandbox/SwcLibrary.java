package dev.slipway.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;

/**
 * SWC's native library (from the {@code swc4j-<platform>} jar), which strips TypeScript in
 * milliseconds. swc4j would write it to a directory of its own under the temporary directory on
 * every load (20 MB per sandbox worker, and per replacement); instead the server writes it once
 * into its private directory ({@link #write}) and the workers load it from there, named by the
 * system property {@value #PROPERTY}.
 */
final class SwcLibrary {

  /** System property naming the library file a process loads (set on the workers' command line). */
  static final String PROPERTY = "slipway.sandbox.swc-library";

  /**
   * swc4j's version; the pom's {@code swc4j.version} (TypeStripperTest fails when they do not
   * agree).
   */
  static final String VERSION = "2.0.0";

  /** What {@link #forThisProcess} found; null until asked. */
  private static Optional<Path> own;

  private SwcLibrary() {}

  /**
   * The library's file name for this platform, where swc4j ships one (Linux x86-64, macOS arm64).
   */
  static Optional<String> fileName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String platform;
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      platform = "linux-x86_64";
    } else if (os.contains("mac") && arch.equals("aarch64")) {
      platform = "macos-arm64";
    } else {
      return Optional.empty();
    }
    String name =
        "libswc4j-"
            + platform
            + ".v."
            + VERSION
            + (platform.startsWith("macos") ? ".dylib" : ".so");
    return SwcLibrary.class.getClassLoader().getResource(name) == null
        ? Optional.empty()
        : Optional.of(name);
  }

  /**
   * Writes the library, named by {@link #fileName}, to {@code file}, readable by this user alone.
   */
  static void write(Path file) {
    try (InputStream in =
        SwcLibrary.class.getClassLoader().getResourceAsStream(file.getFileName().toString())) {
      if (in == null)
        throw new IllegalStateException(file.getFileName() + " is missing from the class path");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write SWC's native library to " + file, e);
    }
  }

  /**
   * The library this process loads: the one named by {@value #PROPERTY}, else one written once into
   * a private temporary directory (a server that runs scripts itself, or a test).
   */
  static synchronized Optional<Path> forThisProcess() {
    if (own == null) {
      String named = System.getProperty(PROPERTY);
      if (named != null) {
        own = Optional.of(Path.of(named));
      } else {
        try {
          Path directory =
              Files.createTempDirectory(
                  "slipway-swc-",
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rwx------")));
          // deleted in the reverse order of asking: the file, then its directory
          directory.toFile().deleteOnExit();
          own = fileName().map(directory::resolve);
          own.ifPresent(
              file -> {
                write(file);
                file.toFile().deleteOnExit();
              });
        } catch (IOException e) {
          throw new UncheckedIOException("cannot make a directory for SWC's native library", e);
        }
      }
    }
    return own;
  }
}
