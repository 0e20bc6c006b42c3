package dev.slipway.security;

import dev.slipway.problem.ProblemException;
import dev.slipway.problem.Violation;
import dev.slipway.runtime.RunSecrets;
import dev.slipway.runtime.SecretSource;
import dev.slipway.store.AuditStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.PlatformTransactions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-org secrets, encrypted at rest. Each org's secrets are sealed with AES-256-GCM under the
 * org's data key (bound to the org and the secret's name as associated data), and the data key is
 * stored wrapped under the master key. Values are never returned by the API; endpoints read them
 * through {@link SecretSource}, from a cache that a change (here, or on another instance through
 * NOTIFY) empties.
 */
public final class Secrets implements SecretSource {
  private static final Logger LOG = LoggerFactory.getLogger(Secrets.class);
  public static final String CHANNEL = "slipway_secrets";
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  public static final int MAX_VALUE_BYTES = 64 * 1024;

  /** Values shorter than this are not redacted: they would mangle ordinary text. */
  private static final int MIN_REDACTED_LENGTH = 4;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final PlatformTransactions platform;
  private final AuditStore audit;
  private final MasterKey master;
  private final Optional<MasterKey> previous;
  private final Map<Long, Map<String, String>> cache = new ConcurrentHashMap<>();

  /** An org's data key as stored: wrapped under the master key named {@code kekId}. */
  private record WrappedKey(long org, String kekId, byte[] wrapped) {}

  /** A secret as the API lists it: its name and dates, never its value. */
  public record Info(String name, Instant createdAt, Instant updatedAt) {}

  public Secrets(
      PlatformTransactions platform,
      AuditStore audit,
      MasterKey master,
      Optional<MasterKey> previous) {
    this.platform = platform;
    this.audit = audit;
    this.master = master;
    this.previous = previous;
  }

  /**
   * Re-wraps every data key wrapped under the previous master key with the current one. Instances
   * still running with the previous key keep their cached values and go on serving meanwhile.
   */
  public int rewrap() throws SQLException {
    return platform.system(
        c -> {
          int rewrapped = 0;
          var stale = new ArrayList<WrappedKey>();
          try (var ps =
              c.prepareStatement(
                  "select org_id, kek_id, wrapped_key from slipway.org_keys where kek_id <> ? for update")) {
            ps.setString(1, master.id());
            try (var rs = ps.executeQuery()) {
              while (rs.next())
                stale.add(new WrappedKey(rs.getLong(1), rs.getString(2), rs.getBytes(3)));
            }
          }
          for (WrappedKey row : stale) {
            if (previous.isEmpty() || !previous.get().id().equals(row.kekId())) {
              LOG.error(
                  "org {}'s secrets are sealed under master key {}, which is neither SLIPWAY_MASTER_KEY nor "
                      + "SLIPWAY_MASTER_KEY_PREVIOUS: they cannot be read",
                  row.org(),
                  row.kekId());
              continue;
            }
            byte[] dataKey = open(previous.get().key(), row.wrapped(), wrapContext(row.org()));
            try (var update =
                c.prepareStatement(
                    "update slipway.org_keys set kek_id = ?, wrapped_key = ?, rotated_at = now() where org_id = ?")) {
              update.setString(1, master.id());
              update.setBytes(2, seal(master.key(), dataKey, wrapContext(row.org())));
              update.setLong(3, row.org());
              update.executeUpdate();
            }
            rewrapped++;
          }
          if (rewrapped > 0)
            LOG.info("re-wrapped {} org data key(s) under master key {}", rewrapped, master.id());
          return rewrapped;
        });
  }

  public List<Info> list(long org) throws SQLException {
    return platform.inOrg(
        org,
        c -> {
          try (var ps =
              c.prepareStatement(
                  "select name, created_at, updated_at from slipway.secrets where org_id = ? order by name")) {
            ps.setLong(1, org);
            try (var rs = ps.executeQuery()) {
              var infos = new ArrayList<Info>();
              while (rs.next())
                infos.add(
                    new Info(
                        rs.getString(1),
                        rs.getTimestamp(2).toInstant(),
                        rs.getTimestamp(3).toInstant()));
              return infos;
            }
          }
        });
  }

  /** Sets a secret; answers whether it is new. */
  public boolean put(Actor actor, String name, String value) throws SQLException {
    if (!NAME.matcher(name).matches()) {
      throw ProblemException.unprocessable(
          "invalid_secret_name",
          "A secret's name is a letter or _ then letters, digits or _ (at most 128).",
          List.of(new Violation("/name", "invalid name")));
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
      throw ProblemException.unprocessable(
          "secret_too_large",
          "A secret's value is at most " + MAX_VALUE_BYTES + " bytes.",
          List.of(new Violation("/value", "too large")));
    }
    long org = actor.orgId();
    boolean created =
        platform.inOrg(
            org,
            c -> {
              byte[] dataKey = dataKey(c, org, true).orElseThrow();
              byte[] sealed =
                  seal(dataKey, value.getBytes(StandardCharsets.UTF_8), secretContext(org, name));
              boolean isNew;
              try (var ps =
                  c.prepareStatement(
                      """
          insert into slipway.secrets as s (org_id, name, ciphertext) values (?, ?, ?)
          on conflict (org_id, name) do update set ciphertext = excluded.ciphertext, updated_at = now()
          returning (xmax = 0)""")) {
                ps.setLong(1, org);
                ps.setString(2, name);
                ps.setBytes(3, sealed);
                try (var rs = ps.executeQuery()) {
                  rs.next();
                  isNew = rs.getBoolean(1);
                }
              }
              audit.record(
                  c, actor.success(isNew ? "secret.create" : "secret.update", "secret:" + name));
              Notifications.send(c, CHANNEL, Long.toString(org));
              return isNew;
            });
    cache.remove(org);
    return created;
  }

  public boolean delete(Actor actor, String name) throws SQLException {
    long org = actor.orgId();
    boolean deleted =
        platform.inOrg(
            org,
            c -> {
              int rows;
              try (var ps =
                  c.prepareStatement("delete from slipway.secrets where org_id = ? and name = ?")) {
                ps.setLong(1, org);
                ps.setString(2, name);
                rows = ps.executeUpdate();
              }
              if (rows == 0) return false;
              audit.record(c, actor.success("secret.delete", "secret:" + name));
              Notifications.send(c, CHANNEL, Long.toString(org));
              return true;
            });
    cache.remove(org);
    return deleted;
  }

  /**
   * The org's secrets for code run on the principal's behalf (a draft's preview or test run, {@code
   * /api/execute}): their values only when the role × action matrix lets the principal {@link
   * Action#READ_SECRET_VALUES read them}, else their names alone.
   */
  public RunSecrets forRunBy(Principal principal) {
    return Access.allows(principal, Action.READ_SECRET_VALUES)
        ? RunSecrets.readable(this)
        : RunSecrets.withheld(this, Access.refusal(principal, Action.READ_SECRET_VALUES));
  }

  /** Forgets the org's cached values (another instance changed them). */
  public void invalidate(long org) {
    cache.remove(org);
  }

  /** Forgets every org's cached values. */
  public void invalidateAll() {
    cache.clear();
  }

  @Override
  public Map<String, String> values(long org) {
    Map<String, String> values = cache.get(org);
    if (values != null) return values;
    try {
      values = platform.inOrg(org, c -> load(c, org));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read org " + org + "'s secrets", e);
    }
    cache.put(org, values);
    return values;
  }

  @Override
  public String redact(long org, String text) {
    if (text == null || text.isEmpty()) return text;
    Map<String, String> values = values(org);
    if (values.isEmpty()) return text;
    String redacted = text;
    // longest first, so a value that contains another is replaced whole
    var byLength =
        values.entrySet().stream()
            .filter(e -> e.getValue().length() >= MIN_REDACTED_LENGTH)
            .sorted(
                Comparator.comparingInt((Map.Entry<String, String> e) -> e.getValue().length())
                    .reversed())
            .toList();
    for (var entry : byLength) {
      if (redacted.contains(entry.getValue()))
        redacted = redacted.replace(entry.getValue(), "[secret:" + entry.getKey() + "]");
    }
    return redacted;
  }

  private Map<String, String> load(Connection c, long org) throws SQLException {
    Optional<byte[]> dataKey = dataKey(c, org, false);
    if (dataKey.isEmpty()) return Map.of();
    var values = new LinkedHashMap<String, String>();
    try (var ps =
        c.prepareStatement("select name, ciphertext from slipway.secrets where org_id = ?")) {
      ps.setLong(1, org);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          values.put(
              name,
              new String(
                  open(dataKey.get(), rs.getBytes(2), secretContext(org, name)),
                  StandardCharsets.UTF_8));
        }
      }
    }
    return Map.copyOf(values);
  }

  /** The org's data key, unwrapped; created (when {@code create}) on first use. */
  private Optional<byte[]> dataKey(Connection c, long org, boolean create) throws SQLException {
    try (var ps =
        c.prepareStatement("select kek_id, wrapped_key from slipway.org_keys where org_id = ?")) {
      ps.setLong(1, org);
      try (var rs = ps.executeQuery()) {
        if (rs.next()) {
          String kekId = rs.getString(1);
          MasterKey kek =
              kekId.equals(master.id())
                  ? master
                  : previous
                      .filter(p -> p.id().equals(kekId))
                      .orElseThrow(
                          () ->
                              new IllegalStateException(
                                  "org "
                                      + org
                                      + "'s data key is wrapped under master key "
                                      + kekId
                                      + ", which this instance does not have"));
          return Optional.of(open(kek.key(), rs.getBytes(2), wrapContext(org)));
        }
      }
    }
    if (!create) return Optional.empty();
    byte[] dataKey = new byte[32];
    RANDOM.nextBytes(dataKey);
    try (var ps =
        c.prepareStatement(
            "insert into slipway.org_keys (org_id, kek_id, wrapped_key) values (?, ?, ?)")) {
      ps.setLong(1, org);
      ps.setString(2, master.id());
      ps.setBytes(3, seal(master.key(), dataKey, wrapContext(org)));
      ps.executeUpdate();
    }
    return Optional.of(dataKey);
  }

  private static byte[] wrapContext(long org) {
    return ("slipway/org-key/" + org).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] secretContext(long org, String name) {
    return ("slipway/secret/" + org + "/" + name).getBytes(StandardCharsets.UTF_8);
  }

  /** AES-256-GCM: a random 96-bit nonce followed by the ciphertext and its 128-bit tag. */
  static byte[] seal(byte[] key, byte[] plain, byte[] context) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      cipher.updateAAD(context);
      byte[] sealed = cipher.doFinal(plain);
      return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  static byte[] open(byte[] key, byte[] sealed, byte[] context) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(128, sealed, 0, 12));
      cipher.updateAAD(context);
      return cipher.doFinal(sealed, 12, sealed.length - 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "a sealed value does not open under its key (wrong key, or tampered)", e);
    }
  }
}
