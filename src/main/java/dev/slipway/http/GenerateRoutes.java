package dev.slipway.http;

import dev.slipway.generate.DatabaseSchema;
import dev.slipway.generate.JoinPaths.Join;
import dev.slipway.generate.Relevance;
import dev.slipway.generate.SchemaAnalyzer;
import dev.slipway.security.Action;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.sql.SQLException;
import java.util.List;

/** Generation from plain language, and the schema it reads: {@code GET /api/schema}. */
public final class GenerateRoutes implements Routes {
  /** How many tables {@code ?for=} keeps at most, unless {@code limit} says otherwise. */
  private static final int MATCHED_TABLES = 8;

  private final SchemaAnalyzer analyzer;

  public GenerateRoutes(SchemaAnalyzer analyzer) {
    this.analyzer = analyzer;
  }

  @Override
  public void register(RoutesConfig routes) {
    routes.addHttpHandler(HandlerType.GET, "/api/schema", this::schema, Action.READ);
  }

  /**
   * The schema with {@code for}: the tables a description is about and the tables joining them,
   * with how they matched and how to join them.
   */
  record Matched(
      String description,
      List<Relevance.Scored> matched,
      List<Join> joins,
      List<DatabaseSchema.Table> tables,
      List<DatabaseSchema.EnumType> enums) {}

  /**
   * {@code GET /api/schema}: what the caller's org's SQL can reach; {@code ?for=description} keeps
   * only the tables that description is about (at most {@code limit} matched, 1 to 50) and those
   * joining them.
   */
  private void schema(Context ctx) throws SQLException {
    DatabaseSchema schema = analyzer.analyze(Api.actor(ctx).orgId());
    String description = ctx.queryParam("for");
    if (description == null) {
      Api.json(ctx, 200, schema);
      return;
    }
    int limit =
        Math.clamp(
            ctx.queryParamAsClass("limit", Integer.class).getOrDefault(MATCHED_TABLES), 1, 50);
    var relevant = Relevance.of(schema, description, limit);
    var subset = Relevance.subset(schema, relevant);
    Api.json(
        ctx,
        200,
        new Matched(
            description, relevant.matched(), relevant.joins(), subset.tables(), subset.enums()));
  }
}
