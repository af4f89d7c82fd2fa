package io.kvfrontend.sdk;

import io.kvfrontend.connection.OutputMode;

/** {@link SdkSubdocMutationTest} in sync mode. */
class SdkSubdocMutationSyncTest extends SdkSubdocMutationTest {
    @Override
    OutputMode mode() {
        return OutputMode.SYNC;
    }
}
