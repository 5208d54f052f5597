package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.email.CapturedMailbox;
import io.rebound.server.email.OutgoingEmail;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.MetaTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Migration V18 on both metadata databases (H2 and PostgreSQL): the mailbox keeps a captured message
 * once per Message-ID, a code is redeemed once, the code store's credentials round-trip encrypted and
 * the codes still to create in the shop are found, and the recovery link key is made once.
 */
class CampaignStorageTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @TempDir
    Path root;
    Database database;
    MetaTestDatabase meta;

    @AfterEach
    void stop() {
        if (meta != null) {
            meta.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void theMailboxRedemptionCodeStoreAndLinkKeyWorkOnEitherDatabase(String kind) throws Exception {
        meta = MetaTestDatabase.open(kind, root.resolve("meta"));
        database = meta.database();
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        JdbcCampaigns campaigns = new JdbcCampaigns(database.dataSource(), clock);
        String campaign = campaigns.create(store, CampaignDefinitions.parse(Map.of("name", "c", "segment_id", "seg",
                "channels", Map.of("onsite", true), "touches", List.of(Map.of("after_hours", 0, "creative",
                        Map.of("products", List.of("mat"), "headline", "h"), "offer", Map.of("percent", 10,
                                "expires_hours", 48)))))).id();

        CapturedMailbox mailbox = new CapturedMailbox(database.dataSource(), "shop@yoga.example", clock);
        OutgoingEmail email = new OutgoingEmail("jane@example.com", "Still thinking about it?", "text part",
                "<p>html part</p>", "https://r.example/email/unsubscribe?t=x", "mailto:shop@yoga.example", "<abc123@rebound.email>");
        mailbox.send(email);
        mailbox.send(email);
        CapturedMailbox.Captured captured = mailbox.captured("<abc123@rebound.email>").orElseThrow();
        assertThat(captured.raw()).contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
                .contains("Message-ID: <abc123@rebound.email>").contains("multipart/alternative");
        assertThat(captured.text()).isEqualTo("text part");

        JdbcOffers offers = new JdbcOffers(database.dataSource());
        String code = offers.issue(campaign, store, "p1", 0, 10, T0, T0.plus(Duration.ofHours(48))).code();
        assertThat(offers.redeem(store, code, "1001", T0.plusSeconds(60))).isTrue();
        assertThat(offers.redeem(store, code, "1002", T0.plusSeconds(61))).isFalse();
        assertThat(offers.find(store, code).orElseThrow().orderId()).isEqualTo("1001");

        JdbcCodeStores codeStores = new JdbcCodeStores(database.dataSource(), CredentialKeys.inDirectory(root), clock);
        StoreDiscounts.Connection connection = new StoreDiscounts.Connection("shopify", "https://yoga.myshopify.com",
                "2025-07", false, Map.of("access_token", "shpat_secret"));
        codeStores.put(store, connection);
        codeStores.put(store, connection);
        assertThat(codeStores.get(store)).contains(connection);
        String pending = offers.issue(campaign, store, "p2", 0, 10, T0, T0.plus(Duration.ofHours(48))).code();
        assertThat(codeStores.pending(store, 10, campaigns)).extracting(p -> p.code().code()).contains(pending);
        codeStores.mark(pending, "dry_run", "[]");
        assertThat(codeStores.pending(store, 10, campaigns)).extracting(p -> p.code().code()).doesNotContain(pending);

        assertThat(RecoveryLinks.key(database.dataSource())).hasSize(32).isEqualTo(RecoveryLinks.key(database.dataSource()));
    }
}
