package io.kvfrontend.bench;

/**
 * A server to drive: its MCBP address and, for server-side meters, its management HTTP port.
 *
 * @param mgmtPort the management port ({@code /metrics}), or -1 when not known
 */
public record Target(String host, int port, int mgmtPort) {

    /**
     * Parses {@code HOST:PORT} or {@code HOST:PORT,MGMT_PORT} (IPv6 hosts in brackets). Without a
     * management port, 8091 is assumed when the MCBP port is the default 11210, else none.
     */
    public static Target parse(String s) {
        String spec = s.trim();
        String mgmt = null;
        int comma = spec.lastIndexOf(',');
        if (comma > 0) {
            mgmt = spec.substring(comma + 1);
            spec = spec.substring(0, comma);
        }
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new BenchException("target '" + s + "' is not HOST:PORT[,MGMT_PORT]");
        }
        String host = spec.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = port(spec.substring(colon + 1), s);
        int mgmtPort = mgmt != null ? port(mgmt, s) : port == 11210 ? 8091 : -1;
        return new Target(host, port, mgmtPort);
    }

    private static int port(String p, String whole) {
        try {
            int n = Integer.parseInt(p.trim());
            if (n > 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new BenchException("target '" + whole + "': '" + p + "' is not a port");
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
