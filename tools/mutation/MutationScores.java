import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PIT's mutations.xml and prints the share of mutants killed per package; exits 1 when a
 * package with a floor is below it. {@code java MutationScores.java REPORT package=percent...}
 */
public class MutationScores {
  private static final Pattern MUTATION =
      Pattern.compile(
          "<mutation [^>]*status='([A-Z_]+)'[^>]*>.*?<mutatedClass>([^<]+)</mutatedClass>",
          Pattern.DOTALL);

  public static void main(String[] args) throws Exception {
    String report = Files.readString(Path.of(args[0]));
    Map<String, int[]> byPackage = new TreeMap<>(); // package -> {killed, all}
    Matcher mutation = MUTATION.matcher(report);
    while (mutation.find()) {
      String type = mutation.group(2);
      int[] counts =
          byPackage.computeIfAbsent(type.substring(0, type.lastIndexOf('.')), p -> new int[2]);
      // a mutant no test covers survives as surely as one the tests run and miss
      if (mutation.group(1).equals("KILLED") || mutation.group(1).equals("TIMED_OUT")) counts[0]++;
      counts[1]++;
    }
    Map<String, Integer> floors = new TreeMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] floor = args[i].split("=");
      floors.put(floor[0], Integer.parseInt(floor[1]));
    }
    boolean below = false;
    System.out.println("mutants killed, per package:");
    for (var entry : byPackage.entrySet()) {
      int[] counts = entry.getValue();
      int score = counts[0] * 100 / counts[1];
      Integer floor = floors.get(entry.getKey());
      String verdict =
          floor == null
              ? ""
              : score >= floor ? "  (floor " + floor + "%)" : "  BELOW THE FLOOR OF " + floor + "%";
      below |= floor != null && score < floor;
      System.out.printf(
          "  %-24s %3d%%  %4d of %4d%s%n", entry.getKey(), score, counts[0], counts[1], verdict);
    }
    for (String missing : floors.keySet()) {
      if (!byPackage.containsKey(missing)) {
        System.out.println("  " + missing + ": no mutants (a floor without classes to mutate)");
        below = true;
      }
    }
    System.exit(below ? 1 : 0);
  }
}
