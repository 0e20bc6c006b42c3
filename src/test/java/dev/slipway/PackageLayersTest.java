package dev.slipway;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Slipway's packages form layers: a class may use its own package and the packages below it, never
 * one above. A new package is placed here, in the order of what it uses.
 */
class PackageLayersTest {
  /** Lowest first; {@code dev.slipway} itself (the entry points that wire everything) is last. */
  static final List<String> LAYERS =
      List.of(
          "common", // JSON, class-path files
          "problem", // the exception every layer throws, and its problem+json body
          "ops", // call log, rate limiters
          "spec", // the endpoint spec and its checks
          "sandbox", // script workers
          "egress", // outbound requests and their policy
          "signature", // webhook signatures, in and out
          "realtime", // channel subscribers and the hub that fans messages out to them
          "runtime", // compiled endpoints, the router
          "store", // PostgreSQL: schema, stores, pools
          "security", // identities, access, secrets, keys and org rules
          "deploy", // versions, releases, draft tests
          "jobs", // the job runner
          "templates", // endpoint generators
          "generate", // plain language to endpoints
          "http", // the two planes' servers
          "config", // settings, read once, handed to each part
          "");

  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.slipway");

  @Test
  void every_package_has_its_place_in_the_layers() {
    var unplaced = new TreeSet<String>();
    for (JavaClass type : CLASSES) {
      if (LAYERS.indexOf(layer(type)) < 0) unplaced.add(type.getPackageName());
    }
    assertThat(unplaced).as("packages missing from PackageLayersTest.LAYERS").isEmpty();
  }

  @Test
  void no_class_uses_a_package_above_its_own() {
    assertThat(upwardUses(LAYERS))
        .as("uses of a higher layer (PackageLayersTest.LAYERS)")
        .isEmpty();
  }

  @Test
  void a_use_of_a_higher_layer_is_named() {
    var runtimeBelowProblem = new ArrayList<>(LAYERS);
    runtimeBelowProblem.remove("runtime");
    runtimeBelowProblem.add(runtimeBelowProblem.indexOf("problem"), "runtime");
    assertThat(upwardUses(runtimeBelowProblem))
        .contains("dev.slipway.runtime.EndpointResponse -> dev.slipway.problem.Problems");
  }

  /** "class -> class it uses" for each use of a package above the user's in {@code layers}. */
  private static Set<String> upwardUses(List<String> layers) {
    var upward = new TreeSet<String>();
    for (JavaClass type : CLASSES) {
      int rank = layers.indexOf(layer(type));
      for (var dependency : type.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass();
        if (target.getPackageName().startsWith("dev.slipway")
            && layers.indexOf(layer(target)) > rank) {
          upward.add(outermost(type) + " -> " + outermost(target));
        }
      }
    }
    return upward;
  }

  private static String outermost(JavaClass type) {
    return type.getName().replaceFirst("\\$.*", "");
  }

  /** The first package name under {@code dev.slipway}, or "" for the root package. */
  private static String layer(JavaClass type) {
    String name = type.getPackageName();
    if (name.equals("dev.slipway")) return "";
    String rest = name.substring("dev.slipway.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }
}
