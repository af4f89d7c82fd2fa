package io.kvfrontend.engine.spi;

/**
 * The MCBP datatype bit field (mcbp-protocol.md 3.1). Stored with every item.
 *
 * <p><b>Immutable</b> (constants only).
 */
public final class Datatype {
    public static final int RAW = 0x00;
    public static final int JSON = 0x01;
    public static final int SNAPPY = 0x02;
    public static final int XATTR = 0x04;
    /** Any bit outside this mask is invalid on the wire. */
    public static final int ALL = JSON | SNAPPY | XATTR;

    private Datatype() {}
}
