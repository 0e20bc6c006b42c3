package dev.slipway.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs against a real Slipway: before its tests (and its own {@code @BeforeAll}),
 * a fresh {@link TestDatabase} and a {@link TestSlipway} on it are started and set into the class's
 * static fields of those types; after them, both are closed.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ServerExtension.class)
public @interface ServerTest {
  /** Settings for the server, each {@code NAME=value}, as in its environment. */
  String[] settings() default {};
}
