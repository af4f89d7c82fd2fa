package io.kvfrontend;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundInvoker;

/**
 * The layering and threading rules of docs/architecture.md, checked on the main classes of the
 * front end and the engine module. A new cycle, a front-end import of an engine implementation,
 * an engine import of Netty, or a channel's {@code unsafe()} outside the connection package fails
 * the build.
 */
@AnalyzeClasses(packages = "io.kvfrontend", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** No two top-level packages depend on each other, directly or through others. */
    @ArchTest
    static final ArchRule noCycles =
            slices().matching("io.kvfrontend.(*)..").should().beFreeOfCycles();

    /**
     * The request's order, arrows one way: protocol ← codec ← connection ← dispatch, all on the
     * engine SPI; {@code server} wires everything and nothing imports it; {@code config} is data
     * only {@code server} reads (it names values of the layers below, such as the output mode);
     * {@code http} and {@code metrics} see narrow interfaces only.
     */
    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("protocol")
            .definedBy("io.kvfrontend.protocol..")
            .layer("codec")
            .definedBy("io.kvfrontend.codec..")
            .layer("connection")
            .definedBy("io.kvfrontend.connection..")
            .layer("dispatch")
            .definedBy("io.kvfrontend.dispatch..")
            .layer("auth")
            .definedBy("io.kvfrontend.auth..")
            .layer("cluster")
            .definedBy("io.kvfrontend.cluster..")
            .layer("metrics")
            .definedBy("io.kvfrontend.metrics..")
            .layer("tls")
            .definedBy("io.kvfrontend.tls..")
            .layer("http")
            .definedBy("io.kvfrontend.http..")
            .layer("config")
            .definedBy("io.kvfrontend.config..")
            .layer("server")
            .definedBy("io.kvfrontend.server..")
            .layer("engine SPI")
            .definedBy("io.kvfrontend.engine.spi..")
            .layer("engine")
            .definedBy("io.kvfrontend.engine.stub..")
            .whereLayer("server")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("config")
            .mayOnlyBeAccessedByLayers("server")
            .whereLayer("http")
            .mayOnlyBeAccessedByLayers("server")
            .whereLayer("dispatch")
            .mayOnlyBeAccessedByLayers("server")
            .whereLayer("connection")
            .mayOnlyBeAccessedByLayers("dispatch", "http", "config", "server")
            .whereLayer("codec")
            .mayOnlyBeAccessedByLayers("connection", "dispatch", "server")
            .whereLayer("engine")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("engine SPI")
            .mayOnlyBeAccessedByLayers(
                    "codec",
                    "connection",
                    "dispatch",
                    "auth",
                    "cluster",
                    "metrics",
                    "http",
                    "config",
                    "server",
                    "engine");

    /** The front end compiles against the engine SPI only; the engine is found by ServiceLoader. */
    @ArchTest
    static final ArchRule frontEndSeesOnlyTheSpi = noClasses()
            .that()
            .resideOutsideOfPackage("io.kvfrontend.engine..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.kvfrontend.engine.stub..");

    /** Engines write through CookieOutput and never touch a channel or a Netty buffer. */
    @ArchTest
    static final ArchRule enginesKnowNoNetty = noClasses()
            .that()
            .resideInAPackage("io.kvfrontend.engine..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.netty..");

    /** A channel's internals are the connection package's business alone. */
    @ArchTest
    static final ArchRule unsafeOnlyInConnection = noClasses()
            .that()
            .resideOutsideOfPackage("io.kvfrontend.connection..")
            .should()
            .callMethodWhere(target(name("unsafe")).and(target(owner(assignableTo(Channel.class)))));

    /**
     * Commands and engines never close a channel themselves: they ask the session
     * ({@code closeAfterFlush}) or the output ({@code closeFromAnyThread}), which know the thread
     * rules.
     */
    @ArchTest
    static final ArchRule onlyTheConnectionClosesChannels = noClasses()
            .that()
            .resideInAnyPackage("io.kvfrontend.dispatch..", "io.kvfrontend.engine..")
            .should()
            .callMethodWhere(target(name("close")).and(target(owner(assignableTo(ChannelOutboundInvoker.class)))));
}
