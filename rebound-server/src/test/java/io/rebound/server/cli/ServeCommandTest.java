package io.rebound.server.cli;

import io.rebound.server.config.ServerConfig;
import io.rebound.server.meta.Database;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code rebound serve} prints at start. */
class ServeCommandTest {

    @Test
    void theStartMessageNamesTheDatabaseButNotItsPassword() {
        ServerConfig cfg = ServerConfig.defaults(Path.of("/var/lib/rebound")).withDatabase(
                "jdbc:postgresql://rebound:s3cret-pw@db.internal:5432/rebound?password=s3cret-pw&ssl=true",
                "rebound", "s3cret-pw");
        String message = ServeCommand.startedMessage(cfg, "http://localhost:8080");
        assertThat(message).contains("db.internal:5432/rebound").contains("ssl=true").doesNotContain("s3cret-pw");
    }

    @Test
    void redactionCoversTheUsualPlacesOfAPassword() {
        assertThat(Database.redact("jdbc:postgresql://db:5432/r?user=app&password=hunter2&sslmode=require"))
                .isEqualTo("jdbc:postgresql://db:5432/r?user=app&password=***&sslmode=require");
        assertThat(Database.redact("jdbc:postgresql://app:hunter2@db:5432/r"))
                .isEqualTo("jdbc:postgresql://app:***@db:5432/r");
        assertThat(Database.redact("jdbc:h2:file:/data/meta;USER=sa;PASSWORD=hunter2;MODE=PostgreSQL"))
                .isEqualTo("jdbc:h2:file:/data/meta;USER=sa;PASSWORD=***;MODE=PostgreSQL");
        assertThat(Database.redact("jdbc:postgresql://db:5432/r")).isEqualTo("jdbc:postgresql://db:5432/r");
    }
}
