package io.kvfrontend.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvfrontend.auth.BucketAccess;
import io.kvfrontend.auth.SaslOutcome.Refusal;
import io.kvfrontend.auth.User;
import io.kvfrontend.auth.UserStore;
import io.kvfrontend.codec.McbpRequest;
import io.kvfrontend.connection.CommandRunner;
import io.kvfrontend.engine.spi.Engine;
import io.kvfrontend.engine.spi.Status;
import io.kvfrontend.protocol.Feature;
import io.kvfrontend.protocol.Opcode;
import io.kvfrontend.server.ServerContext;
import io.kvfrontend.testsupport.Frames;
import io.kvfrontend.testsupport.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Command logic without a socket or a channel: the real dispatcher, executors, engine and SASL
 * server run each request on a {@link TestSession}, and the test reads the responses and the
 * session's state directly. Framing, output ordering and SDKs stay with the socket tests.
 */
class ExecutorsTest {
    private TestServices fixture;
    private Engine engine;
    private ServerContext services;
    private TestSession session;
    private CommandRunner runner;

    @BeforeEach
    void setUp() {
        UserStore users = UserStore.builder()
                .iterations(64)
                .addUser(new User("Administrator", true, BucketAccess.all()), "password")
                .addUser(new User("app", false, BucketAccess.of(Set.of("default"))), "app-pw")
                .build();
        fixture = new TestServices(users);
        engine = fixture.engine;
        services = fixture.services;
        session = fixture.session();
        runner = fixture.runnerFor(session);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Runs one request to its answer and returns what it wrote (nothing for a quiet success). */
    private List<Response> run(Frames frame) {
        byte[] bytes = frame.build();
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
        McbpRequest request = new McbpRequest(buf);
        try {
            assertThat(runner.run(request, null, System.nanoTime()))
                    .as("blocked")
                    .isNull();
        } finally {
            request.release();
        }
        return session.takeResponses();
    }

    private Response one(Frames frame) {
        List<Response> r = run(frame);
        assertThat(r).hasSize(1);
        return r.get(0);
    }

    private void login(String user, String password) {
        Response r = one(Frames.request(Opcode.SASL_AUTH.code()).key("PLAIN").value("\0" + user + "\0" + password));
        assertThat(r.status()).isEqualTo(Status.SUCCESS.code());
    }

    private void selectDefault() {
        assertThat(one(Frames.request(Opcode.SELECT_BUCKET.code()).key("default"))
                        .status())
                .isZero();
    }

    @Test
    void beforeLoginOnlyTheHandshakeIsServed() {
        session.features(1L << Feature.XERROR);
        Response get = one(Frames.request(Opcode.GET.code()).key("k"));
        assertThat(get.status()).isEqualTo(Status.EACCESS.code());
        assertThat(session.isAuthenticated()).isFalse();

        Response mechs = one(Frames.request(Opcode.SASL_LIST_MECHS.code()));
        assertThat(mechs.status()).isZero();
        assertThat(mechs.valueString()).contains("PLAIN");
    }

    @Test
    void plainLoginSetsTheUserAndAWrongPasswordIsCountedByItsReason() {
        Response wrong =
                one(Frames.request(Opcode.SASL_AUTH.code()).key("PLAIN").value("\0app\0guess"));
        assertThat(wrong.status()).isEqualTo(Status.AUTH_ERROR.code());
        assertThat(session.user()).isNull();
        assertThat(services.stats().authFailures(Refusal.WRONG_PASSWORD)).isEqualTo(1);

        login("app", "app-pw");
        assertThat(session.user().name()).isEqualTo("app");
    }

    @Test
    void selectBucketHidesBucketsAUserMayNotUse() {
        session.features(1L << Feature.XERROR);
        login("app", "app-pw");
        assertThat(one(Frames.request(Opcode.SELECT_BUCKET.code()).key("other")).status())
                .isEqualTo(Status.EACCESS.code());
        assertThat(session.bucket()).isNull();
        selectDefault();
        assertThat(session.bucket().name()).isEqualTo("default");
    }

    @Test
    void helloAcknowledgesWhatItSupportsAndTheSessionKeepsIt() {
        byte[] asked = ByteBuffer.allocate(6)
                .putShort((short) Feature.JSON)
                .putShort((short) Feature.XERROR)
                .putShort((short) 0x7fff)
                .array();
        Response r =
                one(Frames.request(Opcode.HELLO.code()).key("{\"a\":\"test\"}").value(asked));
        assertThat(r.status()).isZero();
        ByteBuffer acked = ByteBuffer.wrap(r.value());
        assertThat(acked.remaining()).as("JSON and XERROR, not the unknown one").isEqualTo(4);
        assertThat(session.has(Feature.JSON)).isTrue();
        assertThat(session.has(Feature.XERROR)).isTrue();
        assertThat(session.agent()).contains("test");
    }

    @Test
    void storeAndReadBackWithCasAndFlags() {
        login("Administrator", "password");
        selectDefault();
        Response set = one(Frames.request(Opcode.SET.code())
                .extras(Frames.storeExtras(0xcafe, 0))
                .key("doc")
                .value("hello"));
        assertThat(set.status()).isZero();
        assertThat(set.cas()).isNotZero();

        Response get = one(Frames.request(Opcode.GET.code()).key("doc"));
        assertThat(get.status()).isZero();
        assertThat(get.valueString()).isEqualTo("hello");
        assertThat(get.extrasInt(0)).isEqualTo(0xcafe);
        assertThat(get.cas()).isEqualTo(set.cas());

        Response add = one(Frames.request(Opcode.ADD.code())
                .extras(Frames.storeExtras(0, 0))
                .key("doc")
                .value("x"));
        assertThat(add.status()).isEqualTo(Status.KEY_EEXISTS.code());
        Response staleCas = one(Frames.request(Opcode.SET.code())
                .extras(Frames.storeExtras(0, 0))
                .key("doc")
                .value("y")
                .cas(set.cas() + 1));
        assertThat(staleCas.status()).isEqualTo(Status.KEY_EEXISTS.code());
        Response replaceMissing = one(Frames.request(Opcode.REPLACE.code())
                .extras(Frames.storeExtras(0, 0))
                .key("nobody")
                .value("z"));
        assertThat(replaceMissing.status()).isEqualTo(Status.KEY_ENOENT.code());
    }

    @Test
    void quietGetsAnswerOnlyHits() {
        login("Administrator", "password");
        selectDefault();
        assertThat(run(Frames.request(Opcode.GETQ.code()).key("missing"))).isEmpty();
        one(Frames.request(Opcode.SET.code())
                .extras(Frames.storeExtras(0, 0))
                .key("there")
                .value("v"));
        assertThat(run(Frames.request(Opcode.GETQ.code()).key("there")))
                .singleElement()
                .satisfies(r -> assertThat(r.valueString()).isEqualTo("v"));
    }

    @Test
    void countersStartAtTheInitialValueAndStopAtZero() {
        login("Administrator", "password");
        selectDefault();
        Response first = one(Frames.request(Opcode.INCREMENT.code())
                .extras(Frames.arithmeticExtras(5, 40, 0))
                .key("n"));
        assertThat(first.status()).isZero();
        assertThat(first.valueLong()).isEqualTo(40);
        assertThat(one(Frames.request(Opcode.INCREMENT.code())
                                .extras(Frames.arithmeticExtras(2, 0, 0))
                                .key("n"))
                        .valueLong())
                .isEqualTo(42);
        assertThat(one(Frames.request(Opcode.DECREMENT.code())
                                .extras(Frames.arithmeticExtras(100, 0, 0))
                                .key("n"))
                        .valueLong())
                .isZero();
    }

    @Test
    void aClientWithoutExtendedErrorsIsDisconnectedWhereItCouldNotUnderstandTheStatus() {
        login("Administrator", "password");
        // No bucket selected: NoBucket is an extended error, which kv_engine answers to a client
        // without XERROR by closing the connection.
        assertThat(run(Frames.request(Opcode.GET.code()).key("k"))).isEmpty();
        assertThat(session.isClosing()).isTrue();
        session.features(1L << Feature.XERROR);
        assertThat(one(Frames.request(Opcode.GET.code()).key("k")).status()).isEqualTo(Status.NO_BUCKET.code());
    }

    @Test
    void everyAnsweredCommandIsInTheCommandMeters() {
        login("Administrator", "password");
        selectDefault();
        run(Frames.request(Opcode.GET.code()).key("missing"));
        run(Frames.request(Opcode.GET.code()).key("missing"));
        assertThat(services.commandMetrics().count(Opcode.GET, Status.KEY_ENOENT))
                .isEqualTo(2);
    }
}
