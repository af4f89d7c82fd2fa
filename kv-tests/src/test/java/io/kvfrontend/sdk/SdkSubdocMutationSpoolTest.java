package io.kvfrontend.sdk;

import io.kvfrontend.connection.OutputMode;

/** {@link SdkSubdocMutationTest} in spool mode. */
class SdkSubdocMutationSpoolTest extends SdkSubdocMutationTest {
    @Override
    OutputMode mode() {
        return OutputMode.SPOOL;
    }
}
