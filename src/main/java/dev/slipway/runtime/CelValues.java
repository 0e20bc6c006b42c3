package dev.slipway.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.common.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between Slipway's plain value trees and CEL's value model, which has no Java null (it
 * uses {@code NullValue}) and no 32-bit or arbitrary-precision numbers.
 */
final class CelValues {
  private CelValues() {}

  static Object toCel(Object value) {
    return switch (value) {
      case null -> com.google.protobuf.NullValue.NULL_VALUE;
      case Map<?, ?> map -> {
        var result = new LinkedHashMap<Object, Object>(map.size() * 2);
        map.forEach((k, v) -> result.put(k, toCel(v)));
        yield result;
      }
      case List<?> list -> {
        var result = new ArrayList<Object>(list.size());
        for (Object item : list) result.add(toCel(item));
        yield result;
      }
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Float f -> f.doubleValue();
      case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : b.doubleValue();
      case BigDecimal d -> d.doubleValue();
      default -> value;
    };
  }

  static Object fromCel(Object value) {
    return switch (value) {
      case null -> null;
      case com.google.protobuf.NullValue ignored -> null;
      case dev.cel.common.values.NullValue ignored -> null;
      case Map<?, ?> map -> {
        var result = new LinkedHashMap<String, Object>(map.size() * 2);
        map.forEach((k, v) -> result.put(String.valueOf(k), fromCel(v)));
        yield result;
      }
      case List<?> list -> {
        var result = new ArrayList<Object>(list.size());
        for (Object item : list) result.add(fromCel(item));
        yield result;
      }
      case com.google.common.primitives.UnsignedLong u -> u.longValue();
      default -> value;
    };
  }

  static String toJsonText(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }
}
