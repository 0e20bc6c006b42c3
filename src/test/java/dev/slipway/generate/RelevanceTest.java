package dev.slipway.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.generate.DatabaseSchema.Column;
import dev.slipway.generate.DatabaseSchema.ForeignKey;
import dev.slipway.generate.DatabaseSchema.Table;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which tables a description is about, and how they join, on schemas built in memory. */
class RelevanceTest {

  private static Table table(String name, List<String> columns, ForeignKey... keys) {
    return new Table(
        "app",
        name,
        "table",
        null,
        null,
        List.of("select"),
        columns.stream().map(c -> new Column(c, "text", true, null, null, null)).toList(),
        List.of("id"),
        List.of(keys),
        List.of(),
        List.of(),
        List.of(),
        false,
        List.of());
  }

  private static ForeignKey key(String column, String to) {
    return new ForeignKey(
        column + "_fkey", List.of(column), "app." + to, List.of("id"), "no action");
  }

  /** customers ← orders ← order_items → products, and 40 unrelated tables. */
  private static DatabaseSchema shop() {
    var tables = new ArrayList<Table>();
    tables.add(table("customers", List.of("id", "email", "name")));
    tables.add(
        table(
            "orders", List.of("id", "customer_id", "placed_at"), key("customer_id", "customers")));
    tables.add(
        table(
            "order_items",
            List.of("id", "order_id", "product_id", "quantity"),
            key("order_id", "orders"),
            key("product_id", "products")));
    tables.add(table("products", List.of("id", "title", "price")));
    for (int i = 0; i < 40; i++) tables.add(table("audit_" + i, List.of("id", "payload")));
    return new DatabaseSchema(tables, List.of());
  }

  @Test
  void plurals_become_singular() {
    assertThat(Relevance.words("Activities of the classes, boxes and statuses of users in houses"))
        .containsExactly("activity", "class", "box", "status", "user", "house");
  }

  @Test
  void keeps_the_tables_named_and_those_that_join_them() {
    var relevant = Relevance.of(shop(), "products a customer bought", 8);
    assertThat(relevant.matched())
        .extracting(Relevance.Scored::table)
        .containsExactlyInAnyOrder("app.products", "app.customers");
    assertThat(relevant.tables())
        .containsExactlyInAnyOrder(
            "app.products", "app.customers", "app.order_items", "app.orders");
    assertThat(relevant.joins()).hasSize(3);
  }

  @Test
  void a_column_name_counts_less_than_a_table_name() {
    var relevant = Relevance.of(shop(), "orders with their quantity", 1);
    assertThat(relevant.matched())
        .extracting(Relevance.Scored::table)
        .containsExactly("app.orders");
  }

  @Test
  void the_shortest_join_is_found_either_way() {
    var paths = new JoinPaths(shop());
    var path = paths.between("app.customers", "app.products").orElseThrow();
    assertThat(path)
        .extracting(JoinPaths.Join::to)
        .containsExactly("app.orders", "app.order_items", "app.products");
    assertThat(path).extracting(JoinPaths.Join::forward).containsExactly(false, false, true);
    assertThat(paths.between("app.customers", "app.audit_3")).isEmpty();
    assertThat(paths.between("app.orders", "app.orders").orElseThrow()).isEmpty();
  }
}
