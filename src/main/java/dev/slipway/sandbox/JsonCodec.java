package dev.slipway.sandbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves plain Java trees across the sandbox boundary as JSON text. Text is the cheapest correct
 * crossing measured: one string in, {@code JSON.parse} on the JavaScript side, and {@code
 * JSON.stringify} plus a streaming read on the way out, instead of one polyglot call per property.
 * The Jackson types stay inside this class.
 */
final class JsonCodec {

  private final ObjectMapper mapper =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private final JsonFactory factory = mapper.getFactory();

  /** Serializes a host-side tree; values Jackson cannot write are the caller's error. */
  String write(Object tree) {
    try {
      return mapper.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "value is not JSON-serializable: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads JSON written by {@code JSON.stringify} into maps ({@link LinkedHashMap}), lists, strings,
   * {@code Long} for integral numbers that fit, {@code Double} otherwise, booleans and null.
   */
  Object read(String json) {
    try (JsonParser parser = factory.createParser(json)) {
      JsonToken token = parser.nextToken();
      return token == null ? null : readValue(parser, token);
    } catch (IOException e) {
      // the input comes from JSON.stringify, so this is a bug rather than bad data
      throw new UncheckedIOException("invalid JSON from the script engine", e);
    }
  }

  /**
   * Reads a JSON object; JSON null, or no text at all, is an empty map, as a script that passed no
   * parameters means. Anything else is an {@link IllegalArgumentException}.
   */
  @SuppressWarnings("unchecked")
  Map<String, Object> readObject(String json) {
    Object value = json == null ? null : read(json);
    if (value == null) {
      return Map.of();
    }
    if (value instanceof Map) {
      return (Map<String, Object>) value;
    }
    throw new IllegalArgumentException("ctx.db.query: params must be an object");
  }

  private static Object readValue(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          map.put(key, readValue(parser, parser.nextToken()));
        }
        yield map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          list.add(readValue(parser, t));
        }
        yield list;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT ->
          parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? (Object) parser.getDoubleValue()
              : (Object) parser.getLongValue();
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected JSON token " + token);
    };
  }
}
