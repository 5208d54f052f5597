package io.rebound.server.dashboard;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions exist only for signed-in users, and there is a ceiling on them. */
class DashboardSessionsTest {
    @TempDir
    Path dir;
    DashboardHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private HttpResponse<String> cookieless(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.base + path)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsWithoutASessionCookieGetNoSession() throws Exception {
        h = new DashboardHarness(dir);
        h.dashboard.users().create("owner@example.com", "correct horse battery");
        for (String path : List.of("/dashboard/login", "/dashboard/stores", "/dashboard/login?next=/dashboard/x",
                "/dashboard/nope")) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = cookieless(path, null);
                assertThat(r.headers().allValues("Set-Cookie")).as(path)
                        .noneSatisfy(c -> assertThat(c).startsWith(DashboardAuth.COOKIE + "="));
            }
        }
        // A forged or expired session id is not adopted either.
        HttpResponse<String> forged = cookieless("/dashboard/stores", DashboardAuth.COOKIE + "=0123456789abcdef0123456789abcdef");
        assertThat(forged.statusCode()).isEqualTo(302);
        assertThat(forged.headers().allValues("Set-Cookie")).noneSatisfy(c ->
                assertThat(c).startsWith(DashboardAuth.COOKIE + "=").doesNotContain("Max-Age=0"));
        assertThat(h.dashboard.sessionCount()).isZero();
    }

    @Test
    void signingInStillWorksAndMakesExactlyOneSession() throws Exception {
        h = new DashboardHarness(dir);
        h.dashboard.users().create("owner@example.com", "correct horse battery");
        DashboardHarness.Browser b = h.browser();
        HttpResponse<String> r = b.signIn("owner@example.com", "correct horse battery");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(200);
        assertThat(h.dashboard.sessionCount()).isEqualTo(1);
        b.get("/dashboard/stores");
        b.post("/dashboard/logout", Map.of("_csrf", b.csrf));
        assertThat(h.dashboard.sessionCount()).isZero();
        assertThat(b.get("/dashboard/stores").statusCode()).isEqualTo(302);
    }

    @Test
    void signInBeyondTheProcessCapIsRefusedWith503() throws Exception {
        h = new DashboardHarness(dir, s -> s.withLimits(2, s.liveStreamsPerStore(), s.liveStreams(), s.segmentsPerStore()));
        for (String who : List.of("a", "b", "c")) {
            h.dashboard.users().create(who + "@example.com", "password of " + who);
        }
        assertThat(h.browser().signIn("a@example.com", "password of a").statusCode()).isEqualTo(303);
        assertThat(h.browser().signIn("b@example.com", "password of b").statusCode()).isEqualTo(303);
        HttpResponse<String> third = h.browser().signIn("c@example.com", "password of c");
        assertThat(third.statusCode()).isEqualTo(503);
        assertThat(third.body()).contains("dashboard-sessions");
        assertThat(h.dashboard.sessionCount()).isEqualTo(2);
    }

    @Test
    void oneUserSigningInAgainAndAgainReplacesTheirOldestSession() throws Exception {
        h = new DashboardHarness(dir);
        h.dashboard.users().create("owner@example.com", "correct horse battery");
        List<DashboardHarness.Browser> browsers = new ArrayList<>();
        for (int i = 0; i <= DashboardSettings.SESSIONS_PER_USER; i++) {
            DashboardHarness.Browser b = h.browser();
            assertThat(b.signIn("owner@example.com", "correct horse battery").statusCode()).isEqualTo(303);
            browsers.add(b);
        }
        assertThat(h.dashboard.sessionCount()).isEqualTo(DashboardSettings.SESSIONS_PER_USER);
        assertThat(browsers.get(0).get("/dashboard/stores").statusCode()).isEqualTo(302);
        assertThat(browsers.get(browsers.size() - 1).get("/dashboard/stores").statusCode()).isEqualTo(200);
    }

    @Test
    void secureCookiesMarksBothCookiesSecure() throws Exception {
        h = new DashboardHarness(dir, s -> s.withWeb(URI.create("https://rebound.example.com"), s.proxies(), true));
        h.dashboard.users().create("owner@example.com", "correct horse battery");
        // The JDK's cookie manager keeps Secure cookies off plain http, so the cookie is sent by hand.
        HttpResponse<String> page = cookieless("/dashboard/login", null);
        String loginCookie = page.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(DashboardAuth.LOGIN_COOKIE + "=")).findFirst().orElseThrow();
        assertThat(loginCookie).contains("Secure").containsIgnoringCase("HttpOnly").contains("SameSite=Strict");
        String token = loginCookie.substring(loginCookie.indexOf('=') + 1, loginCookie.indexOf(';'));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(h.base
                        + "/dashboard/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", DashboardAuth.LOGIN_COOKIE + "=" + token)
                .POST(HttpRequest.BodyPublishers.ofString("email=owner%40example.com&password=correct+horse+battery"
                        + "&_csrf=" + token)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().allValues("Set-Cookie")).anySatisfy(c ->
                assertThat(c).startsWith(DashboardAuth.COOKIE + "=").contains("Secure").containsIgnoringCase("HttpOnly"));
    }
}
