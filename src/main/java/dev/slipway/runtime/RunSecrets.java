package dev.slipway.runtime;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An org's secrets for one run of code on a caller's behalf: a draft's preview or test run, or
 * {@code /api/execute}. For a caller who may read secret values they are the values; for any other
 * they are the names alone, and reading a value throws {@link SecretAccessDenied}.
 *
 * <p>Code between the read and the answer may catch that exception (a script's {@code try}) or make
 * its own failure of it (a step that failed), so a refused read is also remembered: whoever runs
 * the code calls {@link #throwIfRefused} when the run ends and answers with the refusal. Redaction
 * always uses the values. One per run; a script's reads are answered on other threads.
 */
public final class RunSecrets implements SecretSource {
  private final SecretSource secrets;

  /** Why values are withheld from this caller; null when they are not. */
  private final String withheldBecause;

  private final AtomicReference<SecretAccessDenied> refusal = new AtomicReference<>();

  private RunSecrets(SecretSource secrets, String withheldBecause) {
    this.secrets = secrets;
    this.withheldBecause = withheldBecause;
  }

  /** The values, for a caller who may read them. */
  public static RunSecrets readable(SecretSource secrets) {
    return new RunSecrets(secrets, null);
  }

  /** The names alone; {@code why} ends the refusal's detail ("Your role 'member' may not ..."). */
  public static RunSecrets withheld(SecretSource secrets, String why) {
    return new RunSecrets(secrets, why);
  }

  @Override
  public Map<String, String> values(long orgId) {
    Map<String, String> values = secrets.values(orgId);
    return withheldBecause == null ? values : new Names(Set.copyOf(values.keySet()));
  }

  @Override
  public String redact(long orgId, String text) {
    return secrets.redact(orgId, text);
  }

  /** Throws the first refused read of the run, if there was one. */
  public void throwIfRefused() {
    SecretAccessDenied refused = refusal.get();
    if (refused != null) throw refused;
  }

  private SecretAccessDenied refuse(String name) {
    var refused = new SecretAccessDenied(name, withheldBecause);
    refusal.compareAndSet(null, refused);
    return refused;
  }

  /**
   * The org's secrets by name, whose values cannot be read: asking for one, or for all of them
   * (entries, values, iteration, printing), is refused. An unknown name is simply absent.
   */
  private final class Names extends AbstractMap<String, String> {
    private final Set<String> names;

    Names(Set<String> names) {
      this.names = names;
    }

    @Override
    public String get(Object name) {
      if (!names.contains(name)) return null;
      throw refuse(name.toString());
    }

    @Override
    public boolean containsKey(Object name) {
      return names.contains(name);
    }

    @Override
    public Set<String> keySet() {
      return names;
    }

    @Override
    public int size() {
      return names.size();
    }

    @Override
    public Collection<String> values() {
      throw refuse(String.join(", ", names));
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
      throw refuse(String.join(", ", names));
    }
  }
}
