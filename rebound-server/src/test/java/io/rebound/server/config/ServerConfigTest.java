package io.rebound.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {
    @TempDir
    Path dir;

    @Test
    void environmentWinsOverTheFile() throws Exception {
        Path file = dir.resolve("rebound.properties");
        Files.writeString(file, "port=9000\ndata-dir=/var/lib/rebound\nfsync=true\nadmin-token=from-file\n");
        ServerConfig c = ServerConfig.load(file, Map.of("REBOUND_PORT", "9100",
                "REBOUND_DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/rebound", "PATH", "/usr/bin"));
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/rebound"));
        assertThat(c.fsync()).isTrue();
        assertThat(c.adminToken()).isEqualTo("from-file");
        assertThat(c.databaseUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/rebound");
    }

    @Test
    void defaultsToEmbeddedStorageInDotData() {
        ServerConfig c = ServerConfig.load(null, Map.of());
        assertThat(c.port()).isEqualTo(ServerConfig.DEFAULT_PORT);
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.databaseUrl()).isNull();
        assertThat(c.fsync()).isFalse();
    }

    @Test
    void aTypoIsAnErrorNotASilentDefault() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_PROT", "9000")))
                .hasMessageContaining("unknown configuration key 'prot'");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_PORT", "eighty")))
                .hasMessageContaining("'port' must be an integer");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_BACKGROUND_NICE", "25")))
                .hasMessageContaining("'background-nice' must be between 0 and 19");
    }

    @Test
    void listsAreReconciledInFullDailyUnlessConfiguredAndNeverMoreOftenThanHourly() {
        assertThat(ServerConfig.load(null, Map.of()).activation().reconcileInterval()).isEqualTo(java.time.Duration.ofHours(24));
        assertThat(ServerConfig.load(null, Map.of("REBOUND_RECONCILE_INTERVAL_HOURS", "6")).activation().reconcileInterval())
                .isEqualTo(java.time.Duration.ofHours(6));
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_RECONCILE_INTERVAL_HOURS", "0")))
                .hasMessageContaining("'reconcile-interval-hours' must be at least 1");
    }

    @Test
    void theEventLogKeepsSevenDaysIn128MbFilesUnlessConfiguredOtherwise() {
        ServerConfig d = ServerConfig.load(null, Map.of());
        assertThat(d.logRetention()).isEqualTo(java.time.Duration.ofDays(7));
        assertThat(d.logFileMb()).isEqualTo(128);
        ServerConfig c = ServerConfig.load(null, Map.of("REBOUND_LOG_RETENTION_HOURS", "24", "REBOUND_LOG_FILE_MB", "16"));
        assertThat(c.logRetention()).isEqualTo(java.time.Duration.ofHours(24));
        assertThat(c.logFileMb()).isEqualTo(16);
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_LOG_FILE_MB", "0")))
                .hasMessageContaining("'log-file-mb' must be between 1 and 1024");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_LOG_RETENTION_HOURS", "-1")))
                .hasMessageContaining("'log-retention-hours' must be 0 or more");
    }

    @Test
    void theOldNameOfTheLogFileSizeIsStillAcceptedButNotBesideTheNewOne() throws Exception {
        assertThat(ServerConfig.load(null, Map.of("REBOUND_LOG_SEGMENT_MB", "16")).logFileMb()).isEqualTo(16);
        Path file = dir.resolve("rebound.properties");
        Files.writeString(file, "log-segment-mb=32\n");
        assertThat(ServerConfig.load(file, Map.of()).logFileMb()).isEqualTo(32);
        assertThatThrownBy(() -> ServerConfig.load(file, Map.of("REBOUND_LOG_FILE_MB", "16")))
                .hasMessageContaining("'log-segment-mb' and 'log-file-mb' are both set");
    }

    @Test
    void consumersRunAtALowerPriorityUnlessConfiguredOtherwise() {
        assertThat(ServerConfig.load(null, Map.of()).backgroundNice()).isEqualTo(10);
        assertThat(ServerConfig.load(null, Map.of("REBOUND_BACKGROUND_NICE", "0")).backgroundNice()).isZero();
    }

    @Test
    void exposureSettingsComeFromTheFileOrTheEnvironment() throws Exception {
        Path file = dir.resolve("web.properties");
        Files.writeString(file, "public-url=https://collect.example.com/\ntrusted-proxies=127.0.0.1, 10.0.0.0/8, ::1\n"
                + "segments-per-store=250\nlive-streams-per-store=3\nlive-streams=50\ndashboard-sessions=500\n");
        ServerConfig c = ServerConfig.load(file, Map.of());
        assertThat(c.web().publicUrl()).hasToString("https://collect.example.com");
        assertThat(c.web().secureCookies()).as("https public-url turns Secure cookies on").isTrue();
        assertThat(c.web().trustedProxies().trusts("10.200.3.4")).isTrue();
        assertThat(c.web().trustedProxies().trusts("11.0.0.1")).isFalse();
        assertThat(c.limits()).isEqualTo(new ServerConfig.Limits(250, 3, 50, 500, 1_000, 10_000));

        ServerConfig off = ServerConfig.load(file, Map.of("REBOUND_SECURE_COOKIES", "false"));
        assertThat(off.web().secureCookies()).isFalse();
        ServerConfig plain = ServerConfig.load(null, Map.of("REBOUND_PUBLIC_URL", "http://shop.test:8080"));
        assertThat(plain.web().secureCookies()).isFalse();
    }

    @Test
    void byDefaultNoProxyIsTrustedAndNoPublicUrlIsSet() {
        ServerConfig c = ServerConfig.load(null, Map.of());
        assertThat(c.web().publicUrl()).isNull();
        assertThat(c.web().secureCookies()).isFalse();
        assertThat(c.web().trustedProxies().trusts("127.0.0.1")).isFalse();
        assertThat(c.limits()).isEqualTo(new ServerConfig.Limits(100, 10, 200, 10_000, 1_000, 10_000));
    }

    @Test
    void badExposureSettingsNameTheKey() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_PUBLIC_URL", "collect.example.com")))
                .hasMessageContaining("'public-url'");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_TRUSTED_PROXIES", "proxy.internal")))
                .hasMessageContaining("'trusted-proxies'").hasMessageContaining("proxy.internal");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_TRUSTED_PROXIES", "10.0.0.0/33")))
                .hasMessageContaining("prefix");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_SECURE_COOKIES", "yes")))
                .hasMessageContaining("'secure-cookies' must be true or false");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("REBOUND_SEGMENTS_PER_STORE", "0")))
                .hasMessageContaining("'segments-per-store' must be at least 1");
    }
}
