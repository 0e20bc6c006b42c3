package dev.slipway.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts and stops the server of a {@link ServerTest} class. */
final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ServerExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Class<?> testClass = context.getRequiredTestClass();
    var settings = new HashMap<String, String>();
    for (String setting : testClass.getAnnotation(ServerTest.class).settings()) {
      int equals = setting.indexOf('=');
      if (equals < 1)
        throw new IllegalArgumentException(
            "a @ServerTest setting is NAME=value, not '" + setting + "'");
      settings.put(setting.substring(0, equals), setting.substring(equals + 1));
    }
    var database = new TestDatabase();
    context.getStore(NAMESPACE).put(TestDatabase.class, database);
    var slipway = TestSlipway.start(database.url(), null, settings);
    context.getStore(NAMESPACE).put(TestSlipway.class, slipway);
    set(testClass, TestDatabase.class, database);
    set(testClass, TestSlipway.class, slipway);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    var store = context.getStore(NAMESPACE);
    TestSlipway slipway = store.remove(TestSlipway.class, TestSlipway.class);
    TestDatabase database = store.remove(TestDatabase.class, TestDatabase.class);
    try {
      if (slipway != null) slipway.close();
    } finally {
      if (database != null) database.close();
    }
  }

  /** Sets every static field of {@code type} the test class declares. */
  private static void set(Class<?> testClass, Class<?> type, Object value)
      throws IllegalAccessException {
    for (Field field : testClass.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == type) {
        field.setAccessible(true);
        field.set(null, value);
      }
    }
  }
}
