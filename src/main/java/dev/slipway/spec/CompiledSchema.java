package dev.slipway.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AbsoluteIri;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.InputStreamSource;
import dev.slipway.problem.Violation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A JSON Schema (2020-12, formats asserted) ready to check values many times. Compiling is the
 * expensive part; {@link #violations} is safe to call from many threads.
 *
 * <p>A schema is self-contained: it may refer to itself ({@code "$ref": "#/$defs/item"}) and to the
 * JSON Schema meta-schemas (bundled with the validator), and to nothing else. networknt would
 * otherwise fetch any other {@code $ref}, {@code $schema} or {@code $id}-relative IRI itself (http,
 * following redirects, or a local file), on a spec author's behalf, when the spec is saved and
 * whenever it is compiled; {@link #metaViolations} reports such a reference when the spec is saved.
 */
public final class CompiledSchema {
  /** The meta-schemas networknt bundles, as it names them once it has mapped the standard IRIs. */
  private static final Pattern BUNDLED =
      Pattern.compile("classpath:draft(-0[467]/schema|/20(19-09|20-12)/(schema|meta/[a-z-]+))");

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          builder -> builder.schemaLoaders(loaders -> loaders.add(CompiledSchema::bundledOnly)));
  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder()
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

  /**
   * The ways {@code schema} is not itself a valid JSON Schema, located under {@code at}, or refers
   * to a schema it does not hold.
   */
  public static List<Violation> metaViolations(JsonNode schema, String at) {
    List<Violation> violations = toViolations(META_SCHEMA.validate(schema), at);
    if (!violations.isEmpty()) return violations;
    try {
      FACTORY.getSchema(schema, CONFIG).initializeValidators();
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof NotLoaded notLoaded) {
          return List.of(
              new Violation(
                  at,
                  "refers to '"
                      + notLoaded.iri
                      + "', which is not loaded: a schema may refer only to "
                      + "itself ('#/$defs/...') and to the JSON Schema meta-schemas; put what it needs under $defs"));
        }
      }
      throw e;
    }
    return List.of();
  }

  /**
   * Lets the bundled loader take the bundled meta-schemas, and refuses every other IRI before any
   * loader reaches out.
   */
  private static InputStreamSource bundledOnly(AbsoluteIri iri) {
    if (BUNDLED.matcher(iri.toString()).matches()) return null;
    throw new NotLoaded(iri.toString());
  }

  /** A schema referred to something outside itself. */
  private static final class NotLoaded extends RuntimeException {
    final String iri;

    NotLoaded(String iri) {
      super("schema " + iri + " is not loaded", null, false, false);
      this.iri = iri;
    }
  }

  /**
   * Every way {@code value} breaks the schema, each located by a JSON pointer under {@code at} (a
   * missing required or an unexpected property is located at the property itself).
   */
  public List<Violation> violations(JsonNode value, String at) {
    return toViolations(schema.validate(value), at);
  }

  private static List<Violation> toViolations(
      java.util.Set<ValidationMessage> messages, String at) {
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
    return violations.stream()
        .distinct()
        .sorted(Comparator.comparing(Violation::path).thenComparing(Violation::message))
        .toList();
  }

  /** networknt prefixes messages with the instance location; the path already says where. */
  private static String stripLocation(ValidationMessage message) {
    String text = message.getMessage();
    String prefix = message.getInstanceLocation().toString() + ": ";
    return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
  }
}
