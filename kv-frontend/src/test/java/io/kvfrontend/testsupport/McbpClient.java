package io.kvfrontend.testsupport;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A blocking raw MCBP client over a real socket, for what client libraries do not expose:
 * malformed frames, exact opaques, pipelining depth, quiet commands, stream responses.
 * Every read has a deadline, so a test that waits for something that never comes fails instead of
 * hanging.
 */
public final class McbpClient implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public McbpClient(String host, int port) {
        this(host, port, 0);
    }

    /**
     * @param receiveBufferSize socket receive buffer in bytes (0 = system default); a small one
     *                          makes a client that does not read fill up quickly
     */
    public McbpClient(String host, int port, int receiveBufferSize) {
        try {
            socket = new Socket();
            if (receiveBufferSize > 0) {
                socket.setReceiveBufferSize(receiveBufferSize);
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 65536));
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client on a socket that is already connected (a TLS socket, for one). */
    public McbpClient(Socket connected) {
        try {
            socket = connected;
            socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
            in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 65536));
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static McbpClient connect(int port) {
        return new McbpClient("127.0.0.1", port);
    }

    public static McbpClient connect(int port, int receiveBufferSize) {
        return new McbpClient("127.0.0.1", port, receiveBufferSize);
    }

    /** Closes with a reset (SO_LINGER 0), as a crashing client would. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing anyway
        }
        close();
    }

    public Socket socket() {
        return socket;
    }

    public McbpClient send(Frames frame) {
        return sendRaw(frame.build());
    }

    public McbpClient sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Sends and returns the next response. */
    public Response call(Frames frame) {
        send(frame);
        return receive();
    }

    /** The next response; fails if none arrives within the default deadline. */
    public Response receive() {
        try {
            byte[] header = new byte[24];
            in.readFully(header);
            long bodyLength = ((header[8] & 0xffL) << 24)
                    | ((header[9] & 0xff) << 16)
                    | ((header[10] & 0xff) << 8)
                    | (header[11] & 0xff);
            byte[] body = new byte[(int) bodyLength];
            in.readFully(body);
            return Response.parse(header, body);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no response within " + DEFAULT_TIMEOUT, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next {@code n} responses. */
    public List<Response> receive(int n) {
        List<Response> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(receive());
        }
        return out;
    }

    /**
     * Responses up to and including the first one with an empty key and value (a STAT stream), or
     * the first error.
     */
    public List<Response> receiveStats() {
        List<Response> out = new ArrayList<>();
        while (true) {
            Response r = receive();
            out.add(r);
            if (r.status() != 0 || (r.key().length == 0 && r.value().length == 0)) {
                return out;
            }
        }
    }

    /**
     * One STAT group ("" for the general one) as name/value pairs, in the server's order.
     *
     * @throws AssertionError if the server answers with an error status
     */
    public Map<String, String> stats(String group) {
        send(Frames.request(0x10).key(group));
        Map<String, String> m = new LinkedHashMap<>();
        for (Response r : receiveStats()) {
            if (r.status() != 0) {
                throw new AssertionError("STAT " + group + " answered status " + r.status());
            }
            if (r.key().length > 0) {
                m.put(r.keyString(), r.valueString());
            }
        }
        return m;
    }

    /**
     * Waits until the server closes the connection (end of stream or reset), discarding anything it
     * still sends; fails if it is still open after {@code deadline}.
     */
    public void awaitClosedByServer(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        try {
            while (System.nanoTime() < end) {
                try {
                    if (in.read() < 0) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // keep waiting until the deadline
                }
            }
        } catch (EOFException e) {
            return;
        } catch (IOException e) {
            // reset by peer counts as closed
            return;
        }
        throw new AssertionError("server did not close the connection within " + deadline);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
