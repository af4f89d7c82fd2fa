package io.kvfrontend.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What the settings are applied to while a configuration is assembled: the server builder, plus
 * the parts that are only resolved at the end (bucket defaults, bucket and user lists, the
 * administrator).
 *
 * <p><b>Not thread-safe</b>; used by one loader at a time.
 */
public final class ConfigTarget {
    final ServerConfig.Builder builder = ServerConfig.builder();
    long bucketQuota;
    int vbuckets;
    int maxValueSize;
    boolean flushEnabled;
    List<String> bucketSpecs = new ArrayList<>();
    List<String> userSpecs = new ArrayList<>();
    String adminUser;
    String adminPassword;
    long lowWater;
    long highWater;
    /** Set only when given (flag, environment, file): the default follows the high-water mark. */
    Long outputQuantum;

    int waitingRequests;
    long waitingBytes;
    LogLevel logLevel = LogLevel.INFO;

    public ServerConfig.Builder builder() {
        return builder;
    }
}
