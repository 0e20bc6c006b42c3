package dev.slipway.templates.crud;

import dev.slipway.templates.crud.ListOptions.Filter;
import dev.slipway.templates.crud.ListOptions.Sort;
import java.util.List;
import java.util.stream.Collectors;

/** The bundle's explanation: what was generated and why, in prose. */
final class CrudProse {
  private CrudProse() {}

  static String explanation(
      CrudConfig config, List<Filter> filters, List<Sort> sorts, boolean newTable) {
    String base = config.path();
    return "Five endpoints over "
        + config.table()
        + ": GET "
        + base
        + " lists rows in "
        + config.orderBy()
        + " order ("
        + (filters.isEmpty()
            ? "no filters"
            : "filters "
                + filters.stream().map(Filter::parameter).collect(Collectors.joining(", ")))
        + (sorts.isEmpty()
            ? ""
            : "; ?sort= one of "
                + sorts.stream().map(Sort::parameter).collect(Collectors.joining(", ")))
        + "; limit 1-100, default 20; cursor = the last id seen; a filter left out is not in the SQL at all), "
        + "GET "
        + base
        + "/:id gets one (404 when missing), POST "
        + base
        + " creates one (201 with Location), PATCH "
        + base
        + "/:id changes the fields sent, DELETE "
        + base
        + "/:id deletes one (204). Bodies are checked against the "
        + "validation fields (unknown fields refused); each operation admits the roles its permission names, "
        + "through "
        + (config.auth() == dev.slipway.spec.Auth.Mode.JWT ? "jwt" : "apiKey")
        + " callers. "
        + (newTable
            ? "The table does not exist: the migration creates it with a uuid id, the fields' columns and checks, "
                + "created_at and updated_at, and grants it to this org's database login alone; it is applied before the drafts are saved, "
                + "because they are checked against it."
            : "The table exists and its columns fit the fields; no migration is needed.")
        + " The specs are saved as drafts; deploy them to serve them."
        + config
            .scoping()
            .map(
                scope ->
                    " Rows belong to the "
                        + scope.who()
                        + " that created them (the "
                        + scope.column()
                        + " column holds its "
                        + scope.claim()
                        + " claim); row-level security, forced, lets each caller see and "
                        + "change only those of its "
                        + scope.whose()
                        + ".")
            .orElse("");
  }
}
