package dev.slipway.runtime;

import dev.slipway.spec.PathPattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the endpoint for a method and path in a tree of path segments, so the cost of a look-up
 * grows with the depth of the path, not with the number of routes. A literal segment wins over a
 * parameter; the search backtracks to the parameter when the literal branch leads nowhere.
 * Immutable once built; a release swaps in a whole new router.
 */
public final class Router<T> {
  private final Node<T> root;
  private final List<T> targets;

  /** The result of a look-up. */
  public sealed interface Match<T> {
    /** The route's target, and the values of its path parameters in order. */
    record Found<T>(T target, List<String> pathValues) implements Match<T> {}

    /** The path exists, but not for this method. */
    record WrongMethod<T>(Set<String> allowed) implements Match<T> {}

    record NotFound<T>() implements Match<T> {}
  }

  private static final class Node<T> {
    final Map<String, Node<T>> literals = new HashMap<>();
    Node<T> parameter;
    final Map<String, T> byMethod = new HashMap<>();
  }

  private Router(Node<T> root, List<T> targets) {
    this.root = root;
    this.targets = targets;
  }

  /** Builds a router; two routes with the same method and path shape are an error. */
  public static <T> Router<T> of(Map<RouteKey, T> routes) {
    Node<T> root = new Node<>();
    routes.forEach(
        (key, target) -> {
          Node<T> node = root;
          for (String segment : PathPattern.segments(key.path())) {
            if (segment.startsWith(":")) {
              if (node.parameter == null) node.parameter = new Node<>();
              node = node.parameter;
            } else {
              node = node.literals.computeIfAbsent(segment, s -> new Node<>());
            }
          }
          if (node.byMethod.putIfAbsent(key.method(), target) != null) {
            throw new IllegalArgumentException(
                "two routes for " + key.method() + " " + PathPattern.shape(key.path()));
          }
        });
    return new Router<>(root, List.copyOf(routes.values()));
  }

  /** A method and a path pattern. */
  public record RouteKey(String method, String path) {}

  /** Every route's target. */
  public List<T> targets() {
    return targets;
  }

  public Match<T> find(String method, String path) {
    String[] segments = split(path);
    if (segments == null) return new Match.NotFound<>();
    var values = new ArrayList<String>(4);
    Node<T> node = walk(root, segments, 0, values);
    if (node == null) return new Match.NotFound<>();
    T target = node.byMethod.get(method);
    if (target == null && method.equals("HEAD")) target = node.byMethod.get("GET");
    if (target != null) return new Match.Found<>(target, values);
    return new Match.WrongMethod<>(new TreeSet<>(node.byMethod.keySet()));
  }

  private static <T> Node<T> walk(Node<T> node, String[] segments, int index, List<String> values) {
    if (index == segments.length) return node.byMethod.isEmpty() ? null : node;
    Node<T> literal = node.literals.get(segments[index]);
    if (literal != null) {
      Node<T> found = walk(literal, segments, index + 1, values);
      if (found != null) return found;
    }
    if (node.parameter != null) {
      values.add(segments[index]);
      Node<T> found = walk(node.parameter, segments, index + 1, values);
      if (found != null) return found;
      values.removeLast();
    }
    return null;
  }

  /** Decoded, non-empty segments of a raw path; null when the path cannot be decoded. */
  private static String[] split(String path) {
    var segments = new ArrayList<String>(8);
    int start = 0;
    int n = path.length();
    while (start < n) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? n : slash;
      if (end > start) {
        String raw = path.substring(start, end);
        try {
          segments.add(
              raw.indexOf('%') < 0
                  ? raw
                  : java.net.URLDecoder.decode(
                      raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
      start = end + 1;
    }
    return segments.toArray(String[]::new);
  }
}
