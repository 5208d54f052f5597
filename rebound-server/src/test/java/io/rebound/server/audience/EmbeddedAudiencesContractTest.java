package io.rebound.server.audience;

import io.rebound.server.ReboundServer;
import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The {@link Audiences} contract on the embedded server. */
class EmbeddedAudiencesContractTest extends AudiencesContract {

    @TempDir
    static Path dir;
    private static ReboundServer server;

    @BeforeAll
    static void start() {
        server = ReboundServer.start(ServerConfig.defaults(dir).withPort(0).withRateLimit(1_000_000, 1_000_000));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected Audiences audiences() {
        return server.audiencesPort();
    }

    @Override
    protected String baseUrl() {
        return server.baseUrl();
    }

    @Override
    protected StoreRepository stores() {
        return server.stores();
    }

    @Override
    protected boolean readsPersonStates() {
        return true;
    }

    @Override
    protected String erasureStatus() {
        return "erased";
    }
}
