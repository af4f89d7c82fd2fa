package io.kvfrontend.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * The container health check: {@code java -cp kv-frontend.jar io.kvfrontend.server.HealthProbe
 * [host] [port]} sends a real MCBP request (HELLO, which needs no authentication) and exits 0 if the
 * server answers it with Success within the deadline, 1 otherwise. Host and port default to
 * 127.0.0.1 and {@code KV_PORT} (or 11210).
 */
public final class HealthProbe {
    private static final int TIMEOUT_MILLIS = 3000;

    private HealthProbe() {}

    public static void main(String[] args) {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1
                ? Integer.parseInt(args[1])
                : Integer.parseInt(System.getenv().getOrDefault("KV_PORT", "11210"));
        try {
            probe(host, port);
            System.out.println("healthy: " + host + ":" + port + " answered HELLO");
            System.exit(0);
        } catch (IOException | RuntimeException e) {
            System.out.println("unhealthy: " + host + ":" + port + ": " + e);
            System.exit(1);
        }
    }

    /** Sends HELLO (opaque 0x6865616c) and checks the answer; throws if it is not a success. */
    static void probe(String host, int port) throws IOException {
        byte[] agent = "kv-frontend-healthprobe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer req = ByteBuffer.allocate(24 + agent.length);
        req.put((byte) 0x80)
                .put((byte) 0x1f)
                .putShort((short) agent.length)
                .put((byte) 0)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(agent.length)
                .putInt(0x6865616c)
                .putLong(0)
                .put(agent);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write(req.array());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] header = new byte[24];
            in.readFully(header);
            ByteBuffer h = ByteBuffer.wrap(header);
            if ((h.get(0) & 0xff) != 0x81 || (h.get(1) & 0xff) != 0x1f || h.getInt(12) != 0x6865616c) {
                throw new IOException("not an MCBP HELLO response");
            }
            int status = h.getShort(6) & 0xffff;
            if (status != 0) {
                throw new IOException("HELLO answered with status 0x" + Integer.toHexString(status));
            }
        }
    }
}
