package io.kvfrontend.scan;

import io.kvfrontend.connection.OutputMode;

/** The SDK range-scan scenarios in sync hand-off mode. */
class SdkRangeScanSyncTest extends SdkRangeScanCases {
    SdkRangeScanSyncTest() {
        super(OutputMode.SYNC);
    }
}
