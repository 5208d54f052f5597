package io.rebound.server.dashboard;

import io.rebound.core.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Sign-in, sessions, CSRF and throttling over real HTTP. */
class DashboardAuthTest {
    @TempDir
    Path dir;
    DashboardHarness h;

    @BeforeEach
    void start() throws Exception {
        h = new DashboardHarness(dir);
        h.dashboard.users().create("owner@example.com", "correct horse battery");
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    @Test
    void pagesRedirectToSignInWithoutASession() throws Exception {
        HttpResponse<String> r = h.browser().get("/dashboard/stores");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/login?next=%2Fdashboard%2Fstores");
    }

    @Test
    void signInWithTheRightPasswordOpensTheStores() throws Exception {
        DashboardHarness.Browser b = h.browser();
        HttpResponse<String> r = b.signIn("Owner@Example.com ", "correct horse battery");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/stores");
        assertThat(r.headers().allValues("Set-Cookie")).anySatisfy(c ->
                assertThat(c).startsWith("rebound_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Lax"));
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(200);
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSameAnswer() throws Exception {
        HttpResponse<String> wrong = h.browser().signIn("owner@example.com", "not the password");
        HttpResponse<String> unknown = h.browser().signIn("nobody@example.com", "not the password");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong email or password.");
        assertThat(unknown.body()).contains("Wrong email or password.");
    }

    @Test
    void sessionIdChangesAtSignIn() throws Exception {
        DashboardHarness.Browser b = h.browser();
        HttpResponse<String> before = b.get("/dashboard/login");
        String anonymous = before.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        HttpResponse<String> after = b.post("/dashboard/login",
                Map.of("email", "owner@example.com", "password", "correct horse battery", "_csrf", b.csrf));
        String signedIn = after.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertThat(signedIn).isNotEqualTo(anonymous);
    }

    @Test
    void formsWithoutTheSessionCsrfTokenAreRejected() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "correct horse battery");
        b.get("/dashboard/stores");
        assertThat(b.post("/dashboard/stores", Map.of("name", "No token")).statusCode()).isEqualTo(403);
        assertThat(b.post("/dashboard/stores", Map.of("name", "Bad token", "_csrf", "forged")).statusCode())
                .isEqualTo(403);
        assertThat(h.stores.list()).isEmpty();
        HttpResponse<String> ok = b.post("/dashboard/stores", Map.of("name", "Good token", "_csrf", b.csrf));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(h.stores.list()).extracting(Store::name).containsExactly("Good token");
    }

    @Test
    void theSignInFormItselfNeedsTheToken() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.get("/dashboard/login");
        HttpResponse<String> r = b.post("/dashboard/login",
                Map.of("email", "owner@example.com", "password", "correct horse battery"));
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void htmxRequestsMaySendTheTokenAsAHeader() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "correct horse battery");
        b.get("/dashboard/stores");
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base + "/dashboard/stores"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-CSRF-Token", b.csrf)
                .header("HX-Request", "true").POST(java.net.http.HttpRequest.BodyPublishers.ofString("name=Via+htmx"))
                .build();
        assertThat(b.http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(303);
    }

    @Test
    void sessionExpiresAfterIdleTimeout() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "correct horse battery");
        h.clock.advance(DashboardHarness.IDLE.minusMinutes(1));
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(200);
        h.clock.advance(DashboardHarness.IDLE.plusSeconds(1));
        HttpResponse<String> r = b.get("/dashboard/stores");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/login?expired=1");
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(302);
    }

    @Test
    void sessionEndsAfterItsAbsoluteLifetimeEvenWhenActive() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "correct horse battery");
        for (Duration t = Duration.ZERO; t.compareTo(DashboardHarness.ABSOLUTE) < 0; t = t.plusMinutes(20)) {
            h.clock.advance(Duration.ofMinutes(20));
            if (t.plusMinutes(20).compareTo(DashboardHarness.ABSOLUTE) <= 0) {
                assertThat(b.get("/dashboard/stores").statusCode()).as("at " + t).isEqualTo(200);
            }
        }
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(302);
    }

    @Test
    void signOutEndsTheSession() throws Exception {
        DashboardHarness.Browser b = h.browser();
        b.signIn("owner@example.com", "correct horse battery");
        b.get("/dashboard/stores");
        assertThat(b.post("/dashboard/logout", Map.of("_csrf", b.csrf)).statusCode()).isEqualTo(303);
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(302);
    }

    @Test
    void repeatedWrongPasswordsAreThrottled() throws Exception {
        DashboardHarness.Browser b = h.browser();
        for (int i = 0; i < 5; i++) {
            assertThat(b.signIn("owner@example.com", "guess number " + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> r = b.signIn("owner@example.com", "correct horse battery");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("900");
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(302);
    }

    @Test
    void nextParameterCannotRedirectOffTheDashboard() {
        assertThat(DashboardAuth.safeNext("https://evil.example/")).isEqualTo("/dashboard/stores");
        assertThat(DashboardAuth.safeNext("//evil.example/dashboard/")).isEqualTo("/dashboard/stores");
        assertThat(DashboardAuth.safeNext("/dashboard/stores/st_1/funnel")).isEqualTo("/dashboard/stores/st_1/funnel");
    }
}
