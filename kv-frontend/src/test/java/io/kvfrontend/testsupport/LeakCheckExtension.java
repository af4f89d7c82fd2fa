package io.kvfrontend.testsupport;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reported a leaked buffer: after each test with what was reported already,
 * and after each class once garbage has been collected (the moment leaks become visible).
 * Registered for every test class through {@code META-INF/services} and JUnit's extension
 * auto-detection (parent POM), so no test can forget it.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("tests must run with -Dio.netty.leakDetection.level=PARANOID, got "
                    + ResourceLeakDetector.getLevel());
        }
        // Leaks of earlier classes are theirs, already reported; start clean.
        RecordingLeakDetector.drainReports();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        fail(context, RecordingLeakDetector.drainReports());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        fail(context, RecordingLeakDetector.collectAndDrain());
    }

    private static void fail(ExtensionContext context, List<String> reports) {
        if (!reports.isEmpty()) {
            throw new AssertionError("Netty reported " + reports.size() + " leak(s) during " + context.getDisplayName()
                    + ":\n" + String.join("\n\n", reports));
        }
    }
}
