package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads result sets into plain value trees: one map per row keyed by column label, values as JSON
 * would carry them (timestamps as ISO-8601 strings in UTC, json/jsonb as trees, uuids as strings).
 * How to read each column is decided once per result set from its type name.
 */
public final class Rows {
  private static final DateTimeFormatter UTC = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private Rows() {}

  /** How one column is read. */
  private enum Reader {
    LONG,
    DOUBLE,
    DECIMAL,
    BOOLEAN,
    TIMESTAMPTZ,
    JSON,
    ARRAY,
    STRING
  }

  public static List<Map<String, Object>> read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    String[] labels = new String[n];
    Reader[] readers = new Reader[n];
    for (int i = 0; i < n; i++) {
      labels[i] = meta.getColumnLabel(i + 1);
      readers[i] = reader(meta.getColumnTypeName(i + 1));
    }
    var rows = new ArrayList<Map<String, Object>>();
    while (rs.next()) {
      var row = new LinkedHashMap<String, Object>(n * 2);
      for (int i = 0; i < n; i++) row.put(labels[i], value(rs, i + 1, readers[i]));
      rows.add(row);
    }
    return rows;
  }

  private static Reader reader(String typeName) {
    return switch (typeName) {
      case "int2", "int4", "int8", "oid" -> Reader.LONG;
      case "float4", "float8" -> Reader.DOUBLE;
      case "numeric" -> Reader.DECIMAL;
      case "bool" -> Reader.BOOLEAN;
      case "timestamptz" -> Reader.TIMESTAMPTZ;
      case "json", "jsonb" -> Reader.JSON;
      default -> typeName.startsWith("_") ? Reader.ARRAY : Reader.STRING;
    };
  }

  private static Object value(ResultSet rs, int column, Reader reader) throws SQLException {
    Object value =
        switch (reader) {
          case LONG -> rs.getLong(column);
          case DOUBLE -> rs.getDouble(column);
          case DECIMAL -> rs.getBigDecimal(column);
          case BOOLEAN -> rs.getBoolean(column);
          case TIMESTAMPTZ -> {
            OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
            yield time == null ? null : UTC.format(time.withOffsetSameInstant(ZoneOffset.UTC));
          }
          case JSON -> {
            String text = rs.getString(column);
            yield text == null ? null : parseJson(text);
          }
          case ARRAY -> {
            Array array = rs.getArray(column);
            yield array == null ? null : arrayValue(array);
          }
          case STRING -> rs.getString(column);
        };
    return rs.wasNull() ? null : value;
  }

  private static Object arrayValue(Array array) throws SQLException {
    try (ResultSet rs = array.getResultSet()) {
      Reader reader = reader(array.getBaseTypeName());
      var items = new ArrayList<Object>();
      while (rs.next()) items.add(value(rs, 2, reader));
      return items;
    }
  }

  private static Object parseJson(String text) {
    try {
      return Json.MAPPER.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      return text;
    }
  }
}
