package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.security.Bootstrap;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.testing.TestSlipway.Reply;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Another org on a test's Slipway, made as an operator makes one ({@link Bootstrap#createUser} with
 * an org), with its owner signed in to it ({@link TestSlipway#PASSWORD}): for tests that what one
 * org has stays its own. The test's admin token ({@link TestSlipway#TOKEN}) acts in the default
 * org.
 */
public final class TestOrg {
  private final TestSlipway slipway;
  private final String slug;
  private final String ownerToken;

  private TestOrg(TestSlipway slipway, String slug, String ownerToken) {
    this.slipway = slipway;
    this.slug = slug;
    this.ownerToken = ownerToken;
  }

  /**
   * Creates the org {@code slug} with the owner {@code owner@<slug>.test} and signs them in to it.
   */
  public static TestOrg create(TestSlipway slipway, TestDatabase database, String slug) {
    return create(slipway, database.dataSource(), slug);
  }

  /**
   * As {@link #create(TestSlipway, TestDatabase, String)}, on Slipway's database as a superuser
   * reaches it.
   */
  public static TestOrg create(TestSlipway slipway, javax.sql.DataSource database, String slug) {
    String email = "owner@" + slug + ".test";
    try {
      Bootstrap.createUser(
          new PlatformTransactions(database),
          new IdentityStore(),
          email,
          TestSlipway.PASSWORD,
          Optional.of(slug));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create org " + slug, e);
    }
    return new TestOrg(slipway, slug, slipway.signIn(email, Optional.of(slug)));
  }

  /**
   * The same org, signed in the same, on another server on the same database (one started after a
   * restart).
   */
  public TestOrg on(TestSlipway restarted) {
    return new TestOrg(restarted, slug, ownerToken);
  }

  public String slug() {
    return slug;
  }

  /** The owner's access token. */
  public String ownerToken() {
    return ownerToken;
  }

  /** The org's id, as {@code GET /api/org} answers it. */
  public long id() {
    return call("GET", "/api/org", null).json().path("id").asLong();
  }

  /** A JSON call to the control plane as the org's owner. */
  public Reply call(String method, String path, String jsonBody) {
    return slipway.controlAs(ownerToken, method, path, jsonBody);
  }

  /** Saves a spec (YAML or JSON) in this org and fails the test unless it is accepted. */
  public JsonNode save(String spec) {
    Reply reply =
        slipway.send(
            "POST",
            "http://127.0.0.1:" + slipway.controlPort() + "/api/endpoints",
            spec,
            "application/yaml",
            Map.of("Authorization", "Bearer " + ownerToken));
    if (reply.status() != 201 && reply.status() != 200)
      throw new AssertionError("spec rejected in " + slug + ": " + reply);
    return reply.json();
  }

  /**
   * Deploys this org's drafts and fails the test unless the deploy succeeds; answers the release.
   */
  public JsonNode deploy(String requestJson) {
    Reply reply = call("POST", "/api/deploy", requestJson);
    if (reply.status() != 201) throw new AssertionError("deploy failed in " + slug + ": " + reply);
    return reply.json();
  }

  /** Creates a consumer key in this org and answers its token. */
  public String consumerKey(String name) {
    Reply created = call("POST", "/api/consumer-keys", "{\"name\":\"" + name + "\"}");
    if (created.status() != 201)
      throw new AssertionError("cannot create a consumer key in " + slug + ": " + created);
    return created.json().path("token").asText();
  }
}
