package io.kvfrontend.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the configuration: a YAML file with any content, and environment
 * variables with any values for any settings, must give a configuration or a {@link
 * ConfigException} that names the setting, never another exception.
 */
class ConfigFuzzTest {
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("kv-config-fuzz", ".yaml");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest(maxDuration = "10s")
    void anyFileAndEnvironmentGiveAConfigOrAConfigException(FuzzedDataProvider data) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            Setting s = Settings.ALL.get(data.consumeInt(0, Settings.ALL.size() - 1));
            env.put(s.env(), data.consumeString(40));
        }
        if (data.consumeBoolean()) {
            Files.write(file, data.consumeRemainingAsBytes());
            env.put("KV_CONFIG", file.toString());
        }
        try {
            ConfigLoader.Outcome outcome = ConfigLoader.load(new String[0], env);
            assertThat(outcome).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
