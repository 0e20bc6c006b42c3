package dev.slipway.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.spec.Fixture;
import dev.slipway.spec.TestCase;
import java.util.List;

/**
 * What a planner (the offline one, or a model) made of a description: the specs, the tests that
 * check them with their fixtures, and what it says about them.
 *
 * @param shape what kind of endpoint it is ({@code list}, {@code get}, ...)
 * @param tables the tables it reads, qualified
 * @param notes what the plan could not do as asked, or chose, in a sentence each
 */
public record Plan(
    String shape,
    List<ObjectNode> specs,
    List<Fixture> fixtures,
    List<TestCase> tests,
    List<String> tables,
    String explanation,
    List<String> notes) {}
