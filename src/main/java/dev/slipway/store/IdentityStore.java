package dev.slipway.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Orgs, users and memberships. Methods that span orgs (finding a user by email to sign in, creating
 * an org) run as the owner; the rest take an org's transaction and name the org.
 */
public final class IdentityStore {
  public record Org(long id, String slug, String name, Instant createdAt) {}

  public record User(
      long id, String email, String name, String passwordHash, Instant passwordChangedAt) {}

  /** A user's place in an org. */
  public record Member(long userId, String email, String name, String role, Instant since) {}

  /** An org a user belongs to, with the user's role there. */
  public record Membership(Org org, String role) {}

  public Optional<User> userByEmail(Connection c, String email) throws SQLException {
    return user(c, "lower(email) = lower(?)", email);
  }

  public Optional<User> userById(Connection c, long id) throws SQLException {
    return user(c, "id = ?", id);
  }

  private static Optional<User> user(Connection c, String where, Object arg) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select id, email, name, password_hash, password_changed_at from slipway.users where "
                + where)) {
      ps.setObject(1, arg);
      try (var rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(
                new User(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getTimestamp(5).toInstant()))
            : Optional.empty();
      }
    }
  }

  /** Creates a user (through a function that may run in an org's transaction); returns its id. */
  public long createUser(Connection c, String email, String name, String passwordHash)
      throws SQLException {
    return Sql.id(c, "select slipway.create_user(?, ?, ?)", email, name, passwordHash);
  }

  public void setPassword(Connection c, long userId, String passwordHash) throws SQLException {
    Sql.update(
        c,
        "update slipway.users set password_hash = ?, password_changed_at = now() where id = ?",
        passwordHash,
        userId);
  }

  public Optional<Org> org(Connection c, long id) throws SQLException {
    return orgs(c, "where id = ?", id).stream().findFirst();
  }

  public Optional<Org> orgBySlug(Connection c, String slug) throws SQLException {
    return orgs(c, "where slug = ?", slug).stream().findFirst();
  }

  public long createOrg(Connection c, String slug, String name) throws SQLException {
    return Sql.id(
        c, "insert into slipway.orgs (slug, name) values (?, ?) returning id", slug, name);
  }

  public void renameOrg(Connection c, long org, String name) throws SQLException {
    Sql.update(c, "update slipway.orgs set name = ? where id = ?", name, org);
  }

  private static List<Org> orgs(Connection c, String where, Object arg) throws SQLException {
    try (var ps =
        c.prepareStatement("select id, slug, name, created_at from slipway.orgs " + where)) {
      ps.setObject(1, arg);
      try (var rs = ps.executeQuery()) {
        var orgs = new ArrayList<Org>();
        while (rs.next()) orgs.add(org(rs, 1));
        return orgs;
      }
    }
  }

  private static Org org(ResultSet rs, int at) throws SQLException {
    return new Org(
        rs.getLong(at),
        rs.getString(at + 1),
        rs.getString(at + 2),
        rs.getTimestamp(at + 3).toInstant());
  }

  /** The orgs a user belongs to, oldest membership first (owner connection: spans orgs). */
  public List<Membership> memberships(Connection c, long userId) throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select o.id, o.slug, o.name, o.created_at, m.role from slipway.memberships m
        join slipway.orgs o on o.id = m.org_id where m.user_id = ? order by m.created_at, o.id""")) {
      ps.setLong(1, userId);
      try (var rs = ps.executeQuery()) {
        var list = new ArrayList<Membership>();
        while (rs.next()) list.add(new Membership(org(rs, 1), rs.getString(5)));
        return list;
      }
    }
  }

  public Optional<String> role(Connection c, long org, long userId) throws SQLException {
    try (var ps =
        c.prepareStatement(
            "select role from slipway.memberships where org_id = ? and user_id = ?")) {
      ps.setLong(1, org);
      ps.setLong(2, userId);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  public List<Member> members(Connection c, long org) throws SQLException {
    return members(c, org, "", null);
  }

  public Optional<Member> member(Connection c, long org, long userId) throws SQLException {
    return members(c, org, " and u.id = ?", userId).stream().findFirst();
  }

  private static List<Member> members(Connection c, long org, String and, Object arg)
      throws SQLException {
    try (var ps =
        c.prepareStatement(
            """
        select u.id, u.email, u.name, m.role, m.created_at from slipway.memberships m
        join slipway.users u on u.id = m.user_id where m.org_id = ?"""
                + and
                + " order by u.email")) {
      ps.setLong(1, org);
      if (arg != null) ps.setObject(2, arg);
      try (var rs = ps.executeQuery()) {
        var list = new ArrayList<Member>();
        while (rs.next()) {
          list.add(
              new Member(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getTimestamp(5).toInstant()));
        }
        return list;
      }
    }
  }

  /** Adds the user to the org; false when already a member. */
  public boolean addMember(Connection c, long org, long userId, String role) throws SQLException {
    return Sql.update(
            c,
            "insert into slipway.memberships (org_id, user_id, role) values (?, ?, ?) on conflict do nothing",
            org,
            userId,
            role)
        == 1;
  }

  public boolean setRole(Connection c, long org, long userId, String role) throws SQLException {
    return Sql.update(
            c,
            "update slipway.memberships set role = ? where org_id = ? and user_id = ?",
            role,
            org,
            userId)
        == 1;
  }

  public boolean removeMember(Connection c, long org, long userId) throws SQLException {
    return Sql.update(
            c, "delete from slipway.memberships where org_id = ? and user_id = ?", org, userId)
        == 1;
  }

  public int owners(Connection c, long org) throws SQLException {
    return (int)
        Sql.id(
            c, "select count(*) from slipway.memberships where org_id = ? and role = 'owner'", org);
  }
}
