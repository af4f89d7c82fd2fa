package io.kvfrontend.scan;

import io.kvfrontend.connection.OutputMode;

/** The SDK range-scan scenarios in spool mode. */
class SdkRangeScanSpoolTest extends SdkRangeScanCases {
    SdkRangeScanSpoolTest() {
        super(OutputMode.SPOOL);
    }
}
