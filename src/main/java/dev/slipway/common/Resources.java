package dev.slipway.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Files bundled on the class path (schemas, the demo data, webjars), read whole. Paths are
 * absolute, without a leading slash. A missing file means a broken build, so it is an {@link
 * IllegalStateException} naming the path.
 */
public final class Resources {
  private Resources() {}

  public static byte[] bytes(String path) {
    try (InputStream in = Resources.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException(path + " is missing from the class path");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + " from the class path", e);
    }
  }

  public static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  /**
   * The version of a bundled jar, from its {@code
   * META-INF/maven/<group>/<artifact>/pom.properties}.
   */
  public static String mavenVersion(String group, String artifact) {
    Properties properties = new Properties();
    try {
      properties.load(
          new java.io.ByteArrayInputStream(
              bytes("META-INF/maven/" + group + "/" + artifact + "/pom.properties")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }
}
