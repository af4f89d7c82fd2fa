package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvfrontend.engine.spi.BucketConfig;
import io.kvfrontend.engine.spi.CompressionMode;
import org.junit.jupiter.api.Test;

/** The settings string of an MCBP CreateBucket ({@code key=value;...}, kv_engine's names). */
class CreateBucketSettingsTest {
    @Test
    void everySettingIsRead() {
        BucketConfig c = BucketExecutors.parse(
                "b", "max_size=1048576;num_vbuckets=8;max_item_size=2048;flush_enabled=false;compression_mode=active");
        assertThat(c.quotaBytes()).isEqualTo(1 << 20);
        assertThat(c.numVBuckets()).isEqualTo(8);
        assertThat(c.maxValueBytes()).isEqualTo(2048);
        assertThat(c.flushEnabled()).isFalse();
        assertThat(c.compression()).isEqualTo(CompressionMode.ACTIVE);
    }

    @Test
    void omittedSettingsTakeTheDefaults() {
        BucketConfig c = BucketExecutors.parse("b", "");
        assertThat(c).isEqualTo(BucketConfig.defaults("b"));
        assertThat(c.compression()).isEqualTo(CompressionMode.PASSIVE);
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> BucketExecutors.parse("b", "compression_mode=zip"))
                .hasMessageContaining("off, passive or active");
        assertThatThrownBy(() -> BucketExecutors.parse("b", "colour=red"))
                .hasMessageContaining("Unknown bucket setting colour")
                .hasMessageContaining("compression_mode");
        assertThatThrownBy(() -> BucketExecutors.parse("b", "max_size")).hasMessageContaining("without '='");
    }
}
