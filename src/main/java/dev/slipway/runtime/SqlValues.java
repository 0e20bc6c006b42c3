package dev.slipway.runtime;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;

/**
 * Binds plain values to statement parameters. Strings go untyped (the connection uses {@code
 * stringtype=unspecified}), so PostgreSQL reads them as the column's type: a uuid, a date, an enum.
 * A list of scalars becomes an array literal ({@code = any(:ids)} works); an object becomes JSON
 * text.
 */
final class SqlValues {
  private SqlValues() {}

  static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
    switch (value) {
      case null -> ps.setNull(index, Types.OTHER);
      case String s -> ps.setString(index, s);
      case Long l -> ps.setLong(index, l);
      case Integer i -> ps.setLong(index, i);
      case Double d -> ps.setDouble(index, d);
      case Float f -> ps.setDouble(index, f);
      case BigDecimal d -> ps.setBigDecimal(index, d);
      case BigInteger b -> ps.setBigDecimal(index, new BigDecimal(b));
      case Boolean b -> ps.setBoolean(index, b);
      case List<?> list
          when list.stream().noneMatch(item -> item instanceof Map || item instanceof List) ->
          ps.setString(index, arrayLiteral(list));
      default -> ps.setString(index, CelValues.toJsonText(value));
    }
  }

  private static String arrayLiteral(List<?> items) {
    var literal = new StringBuilder("{");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) literal.append(',');
      Object item = items.get(i);
      if (item == null) {
        literal.append("NULL");
      } else {
        literal.append('"');
        String text = item.toString();
        for (int j = 0; j < text.length(); j++) {
          char c = text.charAt(j);
          if (c == '"' || c == '\\') literal.append('\\');
          literal.append(c);
        }
        literal.append('"');
      }
    }
    return literal.append('}').toString();
  }
}
