package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A JSON Schema (2020-12, formats asserted) ready to check values many times. Compiling is the
 * expensive part; {@link #violations} is safe to call from many threads.
 */
public final class CompiledSchema {
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
      .pathType(PathType.JSON_POINTER)
      .formatAssertionsEnabled(true)
      .build();
  private static final JsonSchema META_SCHEMA =
      FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"), CONFIG);

  private final JsonSchema schema;

  private CompiledSchema(JsonSchema schema) {
    this.schema = schema;
  }

  /** Compiles a schema that is known to be valid (one of Slipway's own, or one already checked). */
  public static CompiledSchema of(JsonNode schema) {
    return new CompiledSchema(FACTORY.getSchema(schema, CONFIG));
  }

  /** The ways {@code schema} is not itself a valid JSON Schema, located under {@code at}. */
  public static List<Violation> metaViolations(JsonNode schema, String at) {
    return toViolations(META_SCHEMA.validate(schema), at);
  }

  /**
   * Every way {@code value} breaks the schema, each located by a JSON pointer under {@code at}
   * (a missing required or an unexpected property is located at the property itself).
   */
  public List<Violation> violations(JsonNode value, String at) {
    return toViolations(schema.validate(value), at);
  }

  private static List<Violation> toViolations(java.util.Set<ValidationMessage> messages, String at) {
    if (messages.isEmpty()) return List.of();
    var violations = new ArrayList<Violation>(messages.size());
    for (ValidationMessage message : messages) {
      String where = message.getInstanceLocation().toString();
      if (("required".equals(message.getType()) || "additionalProperties".equals(message.getType()))
          && message.getProperty() != null) {
        where = where + "/" + message.getProperty();
      }
      violations.add(new Violation(at + where, stripLocation(message)));
    }
    return violations.stream().distinct()
        .sorted(Comparator.comparing(Violation::path).thenComparing(Violation::message)).toList();
  }

  /** networknt prefixes messages with the instance location; the path already says where. */
  private static String stripLocation(ValidationMessage message) {
    String text = message.getMessage();
    String prefix = message.getInstanceLocation().toString() + ": ";
    return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
  }
}
