package dev.slipway.spec;

import java.util.ArrayList;
import java.util.List;

/** Reads route paths such as {@code /api/teams/:teamId/members}. */
public final class PathPattern {
  private PathPattern() {}

  /** The path's segments without empty ones: {@code /a/:b/} → {@code [a, :b]}. */
  public static List<String> segments(String path) {
    var segments = new ArrayList<String>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) segments.add(segment);
    }
    return segments;
  }

  /** The names of the path's parameters in order. */
  public static List<String> parameters(String path) {
    return segments(path).stream().filter(s -> s.startsWith(":")).map(s -> s.substring(1)).toList();
  }

  /**
   * The path with every parameter name replaced by {@code :}, so two routes that clash compare
   * equal.
   */
  public static String shape(String path) {
    return "/"
        + String.join("/", segments(path).stream().map(s -> s.startsWith(":") ? ":" : s).toList());
  }
}
