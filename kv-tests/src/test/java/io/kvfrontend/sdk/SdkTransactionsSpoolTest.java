package io.kvfrontend.sdk;

import io.kvfrontend.connection.OutputMode;

/** {@link SdkTransactionsTest} in spool mode. */
class SdkTransactionsSpoolTest extends SdkTransactionsTest {
    @Override
    OutputMode mode() {
        return OutputMode.SPOOL;
    }
}
