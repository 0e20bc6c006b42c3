package dev.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlipwayConfigTest {
  @Test
  void reads_the_environment_and_lets_flags_win() {
    var config =
        SlipwayConfig.load(
            List.of("--port", "9000", "--control-port=9001"),
            Map.of(
                "SLIPWAY_PORT",
                "7000",
                "SLIPWAY_DATABASE_URL",
                "postgres://u@h/db",
                "SLIPWAY_ADMIN_TOKEN",
                "0123456789abcdef"));
    assertThat(config.dataPort()).isEqualTo(9000);
    assertThat(config.controlPort()).isEqualTo(9001);
    assertThat(config.databaseUrl()).contains("postgres://u@h/db");
    assertThat(config.adminToken()).contains("0123456789abcdef");
    assertThat(config.demoData()).isTrue();
    assertThat(config.embeddedUnsafeFast())
        .as("the embedded database is durable unless told otherwise")
        .isFalse();
  }

  @Test
  void reports_every_bad_setting_by_name() {
    assertThatThrownBy(
            () ->
                SlipwayConfig.load(
                    List.of("--bogus", "1"),
                    Map.of(
                        "SLIPWAY_PORT",
                        "eighty",
                        "SLIPWAY_CONTROL_PORT",
                        "70000",
                        "SLIPWAY_DATABASE_URL",
                        "mysql://x",
                        "SLIPWAY_ADMIN_TOKEN",
                        "short",
                        "SLIPWAY_DEMO_DATA",
                        "maybe",
                        "SLIPWAY_EMBEDDED_UNSAFE_FAST",
                        "true")))
        .hasMessageContaining("unknown flag --bogus")
        .hasMessageContaining("SLIPWAY_PORT must be a whole number")
        .hasMessageContaining("SLIPWAY_CONTROL_PORT must be between 0 and 65535")
        .hasMessageContaining("SLIPWAY_DATABASE_URL must start with")
        .hasMessageContaining("SLIPWAY_ADMIN_TOKEN must be at least 16")
        .hasMessageContaining("SLIPWAY_DEMO_DATA must be true or false")
        .hasMessageContaining("SLIPWAY_EMBEDDED_UNSAFE_FAST applies only to the embedded database");
  }

  @Test
  void the_model_settings_default_to_none_and_are_checked() {
    var none = SlipwayConfig.load(List.of(), Map.of()).model();
    assertThat(none.configured()).isFalse();
    var local =
        SlipwayConfig.load(
                List.of("--ai-provider", "openai", "--ai-base-url", "http://localhost:11434/v1"),
                Map.of())
            .model();
    assertThat(local.model()).isEqualTo("gpt-4.1");
    assertThat(local.baseUrl()).contains("http://localhost:11434/v1");
    assertThatThrownBy(
            () ->
                SlipwayConfig.load(
                    List.of(),
                    Map.of(
                        "SLIPWAY_AI_PROVIDER",
                        "anthropic",
                        "SLIPWAY_AI_BASE_URL",
                        "ftp://x",
                        "SLIPWAY_AI_MAX_ROUNDS",
                        "0")))
        .hasMessageContaining("SLIPWAY_AI_PROVIDER=anthropic needs SLIPWAY_AI_API_KEY")
        .hasMessageContaining("SLIPWAY_AI_BASE_URL must start with http")
        .hasMessageContaining("SLIPWAY_AI_MAX_ROUNDS must be between 1 and 10");
    assertThatThrownBy(() -> SlipwayConfig.load(List.of(), Map.of("SLIPWAY_AI_PROVIDER", "gemini")))
        .hasMessageContaining("SLIPWAY_AI_PROVIDER must be none, anthropic or openai");
  }
}
