package io.rebound.server.dashboard;

import io.rebound.server.meta.InvalidFieldException;
import io.rebound.server.meta.StoreRepository;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Sign-in for the dashboard: server-side sessions in one {@link LocalSessionStore} shared by all
 * HTTP instances of the process (cookie {@code rebound_session}, HttpOnly, SameSite=Lax, path
 * {@code /dashboard}); an idle timeout and an absolute lifetime checked against an injectable
 * clock; a synchronizer CSRF token per session required on every state-changing request (form
 * field {@code _csrf} or header {@code X-CSRF-Token}, which htmx sends from {@code hx-headers});
 * {@link LoginThrottle} against password guessing; the session id is regenerated at sign-in.
 *
 * <p>While no user exists, the sign-in page offers to create the first account; when the server
 * has an admin token, that form requires it, otherwise it is only offered to loopback clients.
 */
final class DashboardAuth {
    static final String USER_ID = "uid";
    static final String EMAIL = "email";
    static final String CSRF = "csrf";
    static final String SIGNED_IN_AT = "signedInAt";
    static final String LAST_SEEN = "lastSeen";
    static final String COOKIE = "rebound_session";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final UserRepository users;
    private final StoreRepository stores;
    private final DashboardSettings settings;
    private final LoginThrottle throttle;
    private final Views views;
    private final SessionStore sessionStore;

    DashboardAuth(Vertx vertx, UserRepository users, StoreRepository stores, DashboardSettings settings, Views views) {
        this.users = users;
        this.stores = stores;
        this.settings = settings;
        this.throttle = settings.throttle();
        this.views = views;
        // One store for the process: every HTTP verticle's SessionHandler reads the same local map.
        this.sessionStore = LocalSessionStore.create(vertx, "rebound.dashboard.sessions");
    }

    /** Session, CSRF and sign-in checks in front of every {@code /dashboard} route except assets. */
    void mountFilters(Router router) {
        SessionHandler sessions = SessionHandler.create(sessionStore)
                .setSessionCookieName(COOKIE)
                .setSessionCookiePath("/dashboard")
                .setCookieHttpOnlyFlag(true)
                .setCookieSecureFlag(settings.secureCookies())
                .setCookieSameSite(CookieSameSite.LAX)
                .setNagHttps(false)
                .setSessionTimeout(settings.idleTimeout().toMillis());
        router.route("/dashboard/*").handler(sessions);
        router.route("/dashboard/*").handler(io.vertx.ext.web.handler.BodyHandler.create()
                .setBodyLimit(256 * 1024).setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(false));
        router.route("/dashboard/*").handler(this::csrf);
        router.route("/dashboard/*").handler(this::requireUser);
        router.get("/dashboard/login").blockingHandler(this::loginPage, false);
        router.post("/dashboard/login").blockingHandler(this::login, false);
        router.post("/dashboard/setup").blockingHandler(this::setup, false);
        router.post("/dashboard/logout").handler(this::logout);
    }

    /** The signed-in user's id; only valid behind {@link #requireUser}. */
    static long userId(RoutingContext ctx) {
        Long id = ctx.session().get(USER_ID);
        return id == null ? -1 : id;
    }

    private void csrf(RoutingContext ctx) {
        Session session = ctx.session();
        if (session.get(CSRF) == null) {
            session.put(CSRF, token());
        }
        HttpMethod m = ctx.request().method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            ctx.next();
            return;
        }
        String presented = ctx.request().getHeader("X-CSRF-Token");
        if (presented == null) {
            presented = ctx.request().getFormAttribute("_csrf");
        }
        String expected = session.get(CSRF);
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            views.error(ctx, 403, "Form expired", "This form was opened in an earlier session or on another site. "
                    + "Reload the page and try again.");
            return;
        }
        ctx.next();
    }

    private void requireUser(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.equals("/dashboard/login") || path.equals("/dashboard/setup")) {
            ctx.next();
            return;
        }
        Session session = ctx.session();
        Long uid = session.get(USER_ID);
        if (uid != null) {
            long now = settings.clock().millis();
            Long signedIn = session.get(SIGNED_IN_AT);
            Long seen = session.get(LAST_SEEN);
            boolean expired = signedIn == null || seen == null
                    || now - signedIn > settings.absoluteTimeout().toMillis()
                    || now - seen > settings.idleTimeout().toMillis();
            if (!expired) {
                session.put(LAST_SEEN, now);
                ctx.next();
                return;
            }
            session.destroy();
            toLogin(ctx, "/dashboard/login?expired=1");
            return;
        }
        String next = ctx.request().method() == HttpMethod.GET ? ctx.request().uri() : "/dashboard/stores";
        toLogin(ctx, "/dashboard/login?next=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
    }

    private void toLogin(RoutingContext ctx, String location) {
        if ("true".equals(ctx.request().getHeader("HX-Request"))) {
            Views.secure(ctx).setStatusCode(401).putHeader("HX-Redirect", location).end();
        } else if (ctx.request().method() == HttpMethod.GET) {
            Views.secure(ctx).setStatusCode(302).putHeader("Location", location).end();
        } else {
            views.error(ctx, 401, "Signed out", "Your session has ended. Sign in again.");
        }
    }

    private void loginPage(RoutingContext ctx) {
        if (ctx.session().get(USER_ID) != null) {
            Views.secure(ctx).setStatusCode(302).putHeader("Location", "/dashboard/stores").end();
            return;
        }
        renderLogin(ctx, 200, null, null, Map.of());
    }

    private void renderLogin(RoutingContext ctx, int status, String email, String error, Map<String, String> fieldErrors) {
        Map<String, Object> model = new HashMap<>();
        model.put("title", "Sign in");
        model.put("email", email == null ? "" : email);
        model.put("error", error);
        model.put("fieldErrors", fieldErrors);
        model.put("expired", ctx.request().getParam("expired") != null);
        model.put("next", safeNext(ctx.request().getParam("next")));
        boolean setup = users.count() == 0;
        model.put("setup", setup);
        model.put("setupAllowed", setup && setupAllowed(ctx, null));
        model.put("setupNeedsToken", settings.adminToken() != null);
        views.page(ctx, status, "login", model);
    }

    private void login(RoutingContext ctx) {
        String email = Optional.ofNullable(ctx.request().getFormAttribute("email")).orElse("").strip()
                .toLowerCase(java.util.Locale.ROOT);
        String password = Optional.ofNullable(ctx.request().getFormAttribute("password")).orElse("");
        String address = ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
        if (!throttle.allowed(email, address)) {
            ctx.response().putHeader("Retry-After", String.valueOf(throttle.retryAfterSeconds()));
            renderLogin(ctx, 429, email, "Too many failed sign-ins. Wait " + throttle.retryAfterSeconds() / 60
                    + " minutes and try again.", Map.of());
            return;
        }
        Optional<UserRepository.User> user = users.byEmail(email);
        // Hash even for an unknown email, so response time does not reveal which emails exist.
        boolean ok = users.hasher().verify(password, user.map(UserRepository.User::passwordHash)
                .orElse(settings.dummyHash()));
        if (user.isEmpty() || !ok) {
            throttle.failed(email, address);
            renderLogin(ctx, 401, email, "Wrong email or password.", Map.of());
            return;
        }
        throttle.succeeded(email);
        users.signedIn(user.get(), password);
        startSession(ctx, user.get());
        Views.secure(ctx).setStatusCode(303).putHeader("Location", safeNext(ctx.request().getFormAttribute("next")))
                .end();
    }

    private void setup(RoutingContext ctx) {
        if (users.count() > 0) {
            views.error(ctx, 403, "Already set up", "An account exists already. Sign in with it.");
            return;
        }
        if (!setupAllowed(ctx, ctx.request().getFormAttribute("admin_token"))) {
            renderLogin(ctx, 403, null, settings.adminToken() != null ? "The admin token is not correct."
                    : "The first account can only be created from the server itself (localhost).", Map.of());
            return;
        }
        String email = ctx.request().getFormAttribute("email");
        try {
            UserRepository.User user = users.create(email, ctx.request().getFormAttribute("password"));
            // The first account administers every store that exists already (e.g. created by the CLI).
            stores.list().forEach(s -> users.addMember(user.id(), s.id()));
            startSession(ctx, user);
            Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores").end();
        } catch (InvalidFieldException e) {
            renderLogin(ctx, 400, email, null, Map.of("setup_" + e.field(), e.problem()));
        }
    }

    /** With an admin token: whether {@code token} is it (null = only showing the form). Else: loopback only. */
    private boolean setupAllowed(RoutingContext ctx, String token) {
        if (settings.adminToken() != null) {
            return token == null ? !"POST".equals(ctx.request().method().name())
                    : io.rebound.server.meta.StoreKeys.constantTimeEquals(token, settings.adminToken());
        }
        var remote = ctx.request().remoteAddress();
        return remote != null && ("127.0.0.1".equals(remote.hostAddress()) || "0:0:0:0:0:0:0:1".equals(remote.hostAddress())
                || "::1".equals(remote.hostAddress()));
    }

    private void startSession(RoutingContext ctx, UserRepository.User user) {
        Session session = ctx.session();
        session.regenerateId();
        long now = settings.clock().millis();
        session.put(USER_ID, user.id());
        session.put(EMAIL, user.email());
        session.put(SIGNED_IN_AT, now);
        session.put(LAST_SEEN, now);
        session.put(CSRF, token());
    }

    private void logout(RoutingContext ctx) {
        ctx.session().destroy();
        Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/login").end();
    }

    /** Only same-dashboard paths, so the sign-in form cannot redirect elsewhere. */
    static String safeNext(String next) {
        if (next != null && next.startsWith("/dashboard/") && !next.startsWith("//") && !next.contains("\\")
                && !next.startsWith("/dashboard/login")) {
            return next;
        }
        return "/dashboard/stores";
    }

    static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

}
