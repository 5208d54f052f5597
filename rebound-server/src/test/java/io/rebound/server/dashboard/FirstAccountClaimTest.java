package io.rebound.server.dashboard;

import io.rebound.server.meta.Database;
import io.rebound.server.meta.InvalidFieldException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The first dashboard account is claimed in the database: two nodes (two repositories on one
 * database) sending set-up forms at once make exactly one first account, and a failed attempt does
 * not use the claim up.
 */
class FirstAccountClaimTest {

    @TempDir
    Path dir;

    @Test
    void twoNodesSendingTheSetUpFormAtOnceMakeOneFirstAccount() throws Exception {
        try (Database db = Database.embedded(dir.resolve("meta"))) {
            PasswordHasher cheap = new PasswordHasher(1024, 1, 1);
            UserRepository nodeA = new UserRepository(db.dataSource(), cheap, Clock.systemUTC());
            UserRepository nodeB = new UserRepository(db.dataSource(), cheap, Clock.systemUTC());

            // A rejected form (bad email) releases the claim: the next one can still be the first.
            assertThatThrownBy(() -> nodeA.createFirst("not an email", "long enough password", List.of()))
                    .isInstanceOf(InvalidFieldException.class);

            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Optional<UserRepository.User>>> attempts = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    UserRepository node = i % 2 == 0 ? nodeA : nodeB;
                    String email = "owner" + i + "@example.com";
                    attempts.add(pool.submit((Callable<Optional<UserRepository.User>>) () ->
                            node.createFirst(email, "long enough password", List.of())));
                }
                long made = 0;
                for (Future<Optional<UserRepository.User>> f : attempts) {
                    made += f.get().isPresent() ? 1 : 0;
                }
                assertThat(made).isEqualTo(1);
                assertThat(nodeB.count()).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
