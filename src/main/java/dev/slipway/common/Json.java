package dev.slipway.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The JSON and YAML mappers every part of Slipway shares, configured once.
 *
 * <p>Reading is bounded: nesting deeper than {@link #MAX_DEPTH} fails as malformed input instead of
 * exhausting the stack, and whole numbers read as {@code Long} (the expression language has no
 * 32-bit integers). Decimals are read with Jackson's fast double parser (FastDoubleParser, bundled
 * with jackson-core): the same correctly rounded values as {@code Double.parseDouble}, in a
 * fraction of the time, which shows on every request with numbers in its body.
 */
public final class Json {
  /** Deepest nesting of arrays and objects accepted in any JSON or YAML Slipway reads. */
  public static final int MAX_DEPTH = 64;

  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxStringLength(20_000_000)
          .maxNumberLength(100)
          .build();

  public static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(LIMITS)
                  .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                  .build())
          .addModule(new JavaTimeModule())
          .enable(DeserializationFeature.USE_LONG_FOR_INTS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  /** {@link #MAPPER} without {@code USE_LONG_FOR_INTS}, which refuses integers beyond 64 bits. */
  private static final ObjectMapper WIDE_INTEGERS =
      MAPPER.copy().disable(DeserializationFeature.USE_LONG_FOR_INTS);

  /** Sorted keys: the canonical form a spec's content hash is computed over. */
  private static final ObjectMapper CANONICAL =
      MAPPER
          .copy()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .configure(
              com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true);

  public static final ObjectMapper YAML =
      YAMLMapper.builder(YAMLFactory.builder().streamReadConstraints(LIMITS).build())
          .enable(DeserializationFeature.USE_LONG_FOR_INTS)
          .build();

  private Json() {}

  /**
   * The node as plain Java values: {@code LinkedHashMap}, {@code ArrayList}, {@code String}, {@code
   * Long}, {@code Double} (or {@code BigDecimal}/{@code BigInteger} when they do not fit), {@code
   * Boolean}, null. A direct walk, cheaper than data binding on the request path.
   */
  public static Object plain(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT -> {
        var map = new java.util.LinkedHashMap<String, Object>(Math.max(4, node.size() * 2));
        for (var field : node.properties()) map.put(field.getKey(), plain(field.getValue()));
        yield map;
      }
      case ARRAY -> {
        var list = new java.util.ArrayList<Object>(node.size());
        for (JsonNode item : node) list.add(plain(item));
        yield list;
      }
      case STRING -> node.textValue();
      case NUMBER ->
          switch (node.numberType()) {
            case INT, LONG -> node.longValue();
            case BIG_INTEGER ->
                node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
            case FLOAT, DOUBLE -> node.doubleValue();
            case BIG_DECIMAL -> node.decimalValue();
          };
      case BOOLEAN -> node.booleanValue();
      case BINARY -> node.asText();
      case NULL, MISSING -> null;
      case POJO -> String.valueOf(node);
    };
  }

  /** The node as canonical JSON text: object keys sorted at every depth. */
  public static String canonical(JsonNode node) {
    try {
      Object plain = CANONICAL.treeToValue(node, Object.class);
      return CANONICAL.writeValueAsString(plain);
    } catch (Exception e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }

  /**
   * Reads JSON whose integers may not fit 64 bits, each exactly: a {@code BigIntegerNode} where a
   * long cannot hold it ({@link #MAPPER} refuses those). Slower; for a second reading.
   */
  public static JsonNode readWideIntegers(byte[] json) throws java.io.IOException {
    return WIDE_INTEGERS.readTree(json);
  }

  /** A plain value (maps, lists, strings, numbers) as JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses JSON the program itself wrote (schemas, constants); a syntax error is a bug. */
  public static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          "invalid JSON in the program: " + e.getOriginalMessage(), e);
    }
  }

  /** Hex SHA-256 of the text's UTF-8 bytes. */
  public static String sha256(String text) {
    try {
      var digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
