package io.kvfrontend.sdk;

import io.kvfrontend.connection.OutputMode;

/** {@link SdkTransactionsTest} in sync mode. */
class SdkTransactionsSyncTest extends SdkTransactionsTest {
    @Override
    OutputMode mode() {
        return OutputMode.SYNC;
    }
}
