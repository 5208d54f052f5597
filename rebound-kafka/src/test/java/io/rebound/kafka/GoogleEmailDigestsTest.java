package io.rebound.kafka;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.kafka.internals.IdentityProcessor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Google's digest of a Gmail address in the topology (decision 0022): kept in the aliases store under
 * {@code g:}, at the email key's own partition, whichever hop of the event's identities the email is,
 * so that the aliases changelog brings it to {@code cluster_google_emails}; gone with the alias when
 * the person is erased; absent for events without one.
 */
class GoogleEmailDigestsTest {

    private static final String PLAIN = sha256("john.doe+x@gmail.com");
    private static final String GOOGLE = sha256("johndoe@gmail.com");

    @Test
    void theEmailKeysPartitionKeepsGooglesDigestUntilThePersonIsErased() {
        try (DriverRuntime runtime = new DriverRuntime()) {
            KeyValueStore<String, String> aliases = runtime.driver().getKeyValueStore(AudienceTopology.StateNames.ALIASES);
            String key = Keys.of("st", PersonIds.emailKey(PLAIN));
            String googleKey = Keys.of("st", IdentityProcessor.googleEmailKey(PLAIN));
            // A user id, then the email, then the cookie: the email is the middle hop, not the last.
            runtime.accept(event("e1", "cust-1", PLAIN, null).anonymousId("v1").build());
            assertThat(aliases.get(key)).isEqualTo("u:cust-1");
            assertThat(aliases.get(googleKey)).as("no Google digest came yet").isNull();

            runtime.accept(event("e2", "cust-1", PLAIN, GOOGLE).build());
            assertThat(aliases.get(googleKey)).isEqualTo(GOOGLE);
            // A later event with the browser's digest alone leaves it as it is.
            runtime.accept(event("e3", null, PLAIN, null).anonymousId("v1").build());
            assertThat(aliases.get(googleKey)).isEqualTo(GOOGLE);

            runtime.erasePerson("st", "u:cust-1");
            assertThat(aliases.get(key)).isNull();
            assertThat(aliases.get(googleKey)).as("erased with the alias").isNull();
        }
    }

    private static Event.Builder event(String id, String user, String email, String google) {
        return Event.builder("st", id, EventType.CUSTOM, Instant.EPOCH.plusSeconds(60), Instant.EPOCH.plusSeconds(61))
                .name("Signed Up").userId(user).emailHash(email).googleEmailHash(google);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
