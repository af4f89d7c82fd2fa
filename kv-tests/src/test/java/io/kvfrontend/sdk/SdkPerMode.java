package io.kvfrontend.sdk;

import io.kvfrontend.config.ServerConfig;
import io.kvfrontend.connection.OutputMode;

/** An {@link SdkCluster} whose server runs in the output mode a subclass names: the base of SDK tests run once per mode. */
abstract class SdkPerMode extends SdkCluster {
    abstract OutputMode mode();

    @Override
    ServerConfig.Builder serverConfig() {
        return super.serverConfig().outputMode(mode());
    }
}
