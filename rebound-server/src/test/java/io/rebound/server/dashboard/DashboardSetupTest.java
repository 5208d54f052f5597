package io.rebound.server.dashboard;

import io.rebound.server.meta.StoreRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Creating the first account: it always takes a secret — the one-time setup code printed at start,
 * or the admin token — however the request arrives. The harness's clients connect from 127.0.0.1,
 * which is what every visitor looks like behind a reverse proxy on the same host.
 */
class DashboardSetupTest {
    private static final String ADMIN_TOKEN = "adm_0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;
    DashboardHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static Map<String, String> form(DashboardHarness.Browser b, String code) {
        Map<String, String> f = new HashMap<>(Map.of("email", "first@example.com", "password", "first password 1",
                "_csrf", b.csrf));
        if (code != null) {
            f.put("setup_code", code);
        }
        return f;
    }

    @Test
    void aLoopbackConnectionWithoutASecretCannotClaimTheFirstAccount() throws Exception {
        h = new DashboardHarness(dir);
        h.stores.create("Existing shop", false);
        DashboardHarness.Browser b = h.browser();
        HttpResponse<String> page = b.get("/dashboard/login");

        HttpResponse<String> r = b.post("/dashboard/setup", form(b, null));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(h.dashboard.users().count()).isZero();
        assertThat(h.dashboard.users().byEmail("first@example.com")).isEmpty();
        assertThat(page.body()).contains("data-testid=\"setup-form\"").contains("name=\"setup_code\"");
    }

    @Test
    void theSetupCodeCreatesTheFirstAccountOnceAndThenStopsWorking() throws Exception {
        h = new DashboardHarness(dir);
        StoreRepository.Created existing = h.stores.create("Existing shop", false);
        String code = h.dashboard.openSetup("http://localhost/dashboard/login").orElseThrow();
        assertThat(code).matches("[2-9A-Z]{5}(-[2-9A-Z]{5}){3}");

        DashboardHarness.Browser wrong = h.browser();
        wrong.get("/dashboard/login");
        HttpResponse<String> refused = wrong.post("/dashboard/setup", form(wrong, "AAAAA-AAAAA-AAAAA-AAAAA"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("setup code").contains("is not right");

        DashboardHarness.Browser b = h.browser();
        b.get("/dashboard/login");
        HttpResponse<String> r = b.post("/dashboard/setup", form(b, code.toLowerCase(java.util.Locale.ROOT)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(b.get("/dashboard/stores").body()).contains("Existing shop");
        long uid = h.dashboard.users().byEmail("first@example.com").orElseThrow().id();
        assertThat(h.dashboard.users().storeIds(uid)).containsExactly(existing.store().id());

        DashboardHarness.Browser late = h.browser();
        late.get("/dashboard/login");
        HttpResponse<String> again = late.post("/dashboard/setup", Map.of("email", "second@example.com",
                "password", "second password", "setup_code", code, "_csrf", late.csrf));
        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(h.dashboard.users().count()).isEqualTo(1);
    }

    @Test
    void theAdminTokenWorksAsTheSecretToo() throws Exception {
        h = new DashboardHarness(dir, s -> new DashboardSettings(s.clock(), s.idleTimeout(), s.absoluteTimeout(),
                s.secureCookies(), ADMIN_TOKEN, s.hasher(), s.throttle(), s.proxies(), s.publicUrl(), s.sessions(),
                s.liveStreamsPerStore(), s.liveStreams(), s.segmentsPerStore()));
        DashboardHarness.Browser b = h.browser();
        assertThat(b.get("/dashboard/login").body()).contains("admin-token");
        assertThat(b.post("/dashboard/setup", form(b, "not the token")).statusCode()).isEqualTo(403);
        assertThat(b.post("/dashboard/setup", form(b, ADMIN_TOKEN)).statusCode()).isEqualTo(303);
    }

    @Test
    void noCodeIsOpenOnceAnAccountExists() throws Exception {
        h = new DashboardHarness(dir);
        h.dashboard.users().create("owner@example.com", "owner password");
        assertThat(h.dashboard.openSetup("http://localhost/dashboard/login")).isEmpty();
        assertThat(h.browser().get("/dashboard/login").body()).doesNotContain("setup-form");
    }

    @Test
    void wrongSetupCodesAreThrottledPerAddress() throws Exception {
        h = new DashboardHarness(dir);
        String code = h.dashboard.openSetup("x").orElseThrow();
        DashboardHarness.Browser b = h.browser();
        b.get("/dashboard/login");
        for (int i = 0; i < 5; i++) {
            assertThat(b.post("/dashboard/setup", form(b, "WRONG-" + i)).statusCode()).isEqualTo(403);
        }
        HttpResponse<String> r = b.post("/dashboard/setup", form(b, code));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("900");
        assertThat(h.dashboard.users().count()).isZero();
    }
}
