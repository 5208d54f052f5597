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
 * {@code /dashboard}, Secure when configured); an idle timeout and an absolute lifetime checked
 * against an injectable clock; a synchronizer CSRF token per session required on every
 * state-changing request (form field {@code _csrf} or header {@code X-CSRF-Token}, which htmx
 * sends from {@code hx-headers}); {@link LoginThrottle} against password guessing.
 *
 * <p>A session is created only by signing in (with a fresh id), never for an anonymous request,
 * so requests without a cookie cost no memory; the process holds at most
 * {@link DashboardSettings#sessions()} of them and each user at most
 * {@link DashboardSettings#SESSIONS_PER_USER} (the oldest ends). The sign-in and set-up forms,
 * sent before any session exists, carry a double-submit token instead: a random value in the
 * {@code rebound_login} cookie (HttpOnly, SameSite=Strict) repeated in the form.
 *
 * <p>While no user exists, the sign-in page offers to create the first account. That always
 * takes a secret: the one-time {@link SetupCode} printed in the server's log at start, or the
 * server's admin token. Where the request comes from proves nothing (behind a reverse proxy on the
 * same host every visitor is 127.0.0.1).
 */
final class DashboardAuth {
    static final String USER_ID = "uid";
    static final String EMAIL = "email";
    static final String CSRF = "csrf";
    static final String SIGNED_IN_AT = "signedInAt";
    static final String LAST_SEEN = "lastSeen";
    static final String COOKIE = "rebound_session";
    static final String LOGIN_COOKIE = "rebound_login";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final UserRepository users;
    private final StoreRepository stores;
    private final DashboardSettings settings;
    private final LoginThrottle throttle;
    private final Views views;
    private final SessionStore sessionStore;
    private final SessionCap cap = new SessionCap(DashboardSettings.SESSIONS_PER_USER);
    private final SetupCode setupCode = new SetupCode();

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
        // Without our cookie there is no session to find, and none is made: only signing in makes one.
        router.route("/dashboard/*").handler(ctx -> {
            if (ctx.request().getCookie(COOKIE) == null) {
                ctx.next();
            } else {
                sessions.handle(ctx);
            }
        });
        router.route("/dashboard/*").handler(DashboardAuth::dropAnonymous);
        router.route("/dashboard/*").handler(io.vertx.ext.web.handler.BodyHandler.create()
                .setBodyLimit(256 * 1024).setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(false));
        router.route("/dashboard/*").handler(this::csrf);
        router.route("/dashboard/*").handler(this::requireUser);
        router.get("/dashboard/login").blockingHandler(this::loginPage, false);
        router.post("/dashboard/login").blockingHandler(ctx -> login(ctx, sessions), false);
        router.post("/dashboard/setup").blockingHandler(ctx -> setup(ctx, sessions), false);
        router.post("/dashboard/logout").handler(this::logout);
    }

    /** Makes the one-time setup code if no account exists yet, and returns it (empty otherwise). */
    Optional<String> openSetup() {
        return users.count() == 0 ? Optional.of(setupCode.open()) : Optional.empty();
    }

    /** Signed-in sessions the process holds now. */
    int sessionCount() {
        return sessionStore.size().toCompletionStage().toCompletableFuture().join();
    }

    /** The signed-in user's id; only valid behind {@link #requireUser}. */
    static long userId(RoutingContext ctx) {
        Long id = ctx.session() == null ? null : ctx.session().get(USER_ID);
        return id == null ? -1 : id;
    }

    /** A cookie naming no signed-in session (expired, forged) gets no session: it is cleared instead. */
    private static void dropAnonymous(RoutingContext ctx) {
        Session session = ctx.session();
        if (session != null && !session.isDestroyed() && session.get(USER_ID) == null) {
            session.destroy();
        }
        ctx.next();
    }

    private static boolean signedIn(Session session) {
        return session != null && !session.isDestroyed() && session.get(USER_ID) != null;
    }

    private void csrf(RoutingContext ctx) {
        HttpMethod m = ctx.request().method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            ctx.next();
            return;
        }
        String path = ctx.request().path();
        boolean signInForm = path.equals("/dashboard/login") || path.equals("/dashboard/setup");
        if (!signInForm && !signedIn(ctx.session())) {
            ctx.next(); // requireUser answers: signed out
            return;
        }
        String presented = ctx.request().getHeader("X-CSRF-Token");
        if (presented == null) {
            presented = ctx.request().getFormAttribute("_csrf");
        }
        // A sign-in form carries the rebound_login token; a signed-in page (signing in again) its session's.
        var cookie = signInForm ? ctx.request().getCookie(LOGIN_COOKIE) : null;
        if (!same(presented, cookie == null ? null : cookie.getValue())
                && !same(presented, signedIn(ctx.session()) ? ctx.session().get(CSRF) : null)) {
            views.error(ctx, 403, "Form expired", "This form was opened in an earlier session or on another site. "
                    + "Reload the page and try again.");
            return;
        }
        ctx.next();
    }

    private static boolean same(String presented, String expected) {
        return presented != null && expected != null && MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private void requireUser(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.equals("/dashboard/login") || path.equals("/dashboard/setup")) {
            ctx.next();
            return;
        }
        Session session = ctx.session();
        Long uid = signedIn(session) ? session.get(USER_ID) : null;
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
            endSession(session);
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
        if (signedIn(ctx.session())) {
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
        model.put("setup", users.count() == 0);
        model.put("adminTokenSet", settings.adminToken() != null);
        model.put("csrf", loginToken(ctx));
        views.page(ctx, status, "login", model);
    }

    /** The sign-in forms' double-submit token: the browser's {@code rebound_login} cookie, set if absent. */
    private String loginToken(RoutingContext ctx) {
        var cookie = ctx.request().getCookie(LOGIN_COOKIE);
        if (cookie != null && cookie.getValue().matches("[A-Za-z0-9_-]{43}")) {
            return cookie.getValue();
        }
        String token = token();
        ctx.response().addCookie(io.vertx.core.http.Cookie.cookie(LOGIN_COOKIE, token).setPath("/dashboard")
                .setHttpOnly(true).setSecure(settings.secureCookies()).setSameSite(CookieSameSite.STRICT)
                .setMaxAge(24 * 3600));
        return token;
    }

    /** The client's address, through the trusted proxies. */
    private String clientAddress(RoutingContext ctx) {
        String ip = settings.proxies().clientIp(ctx.request());
        return ip == null ? "?" : ip;
    }

    private void login(RoutingContext ctx, SessionHandler sessions) {
        String email = Optional.ofNullable(ctx.request().getFormAttribute("email")).orElse("").strip()
                .toLowerCase(java.util.Locale.ROOT);
        String password = Optional.ofNullable(ctx.request().getFormAttribute("password")).orElse("");
        String address = clientAddress(ctx);
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
        if (!startSession(ctx, sessions, user.get())) {
            return;
        }
        Views.secure(ctx).setStatusCode(303).putHeader("Location", safeNext(ctx.request().getFormAttribute("next")))
                .end();
    }

    private void setup(RoutingContext ctx, SessionHandler sessions) {
        if (users.count() > 0) {
            views.error(ctx, 403, "Already set up", "An account exists already. Sign in with it.");
            return;
        }
        String address = clientAddress(ctx);
        String email = ctx.request().getFormAttribute("email");
        if (!throttle.allowed("setup:" + address, address)) {
            ctx.response().putHeader("Retry-After", String.valueOf(throttle.retryAfterSeconds()));
            renderLogin(ctx, 429, email, "Too many wrong setup codes. Wait " + throttle.retryAfterSeconds() / 60
                    + " minutes and try again.", Map.of());
            return;
        }
        if (!setupSecretIsRight(ctx.request().getFormAttribute("setup_code"))) {
            throttle.failed("setup:" + address, address);
            renderLogin(ctx, 403, email, null, Map.of("setup_code", "is not right: copy the setup code "
                    + "printed in the server's log when it started" + (settings.adminToken() != null
                    ? ", or enter the admin token" : "")));
            return;
        }
        try {
            // The first account administers every store that exists already (e.g. created by the CLI).
            Optional<UserRepository.User> user = users.createFirst(email, ctx.request().getFormAttribute("password"),
                    stores.list().stream().map(io.rebound.core.store.Store::id).toList());
            if (user.isEmpty()) {
                views.error(ctx, 403, "Already set up", "An account exists already. Sign in with it.");
                return;
            }
            setupCode.close();
            if (startSession(ctx, sessions, user.get())) {
                Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores").end();
            }
        } catch (InvalidFieldException e) {
            renderLogin(ctx, 400, email, null, Map.of("setup_" + e.field(), e.problem()));
        }
    }

    /** The one-time setup code, or the admin token when the server has one. */
    private boolean setupSecretIsRight(String secret) {
        if (secret == null || secret.isBlank()) {
            return false;
        }
        return setupCode.matches(secret) || (settings.adminToken() != null
                && io.rebound.server.meta.StoreKeys.constantTimeEquals(secret.strip(), settings.adminToken()));
    }

    /**
     * Replaces whatever session the request had with a new one (new id) for {@code user}; false,
     * with the answer sent, when the process holds as many sessions as it may.
     */
    private boolean startSession(RoutingContext ctx, SessionHandler sessions, UserRepository.User user) {
        Session old = ctx.session();
        if (old != null) {
            endSession(old);
        }
        for (String evicted : cap.evictFor(user.id())) {
            sessionStore.delete(evicted);
        }
        if (sessionCount() >= settings.sessions()) {
            ctx.response().putHeader("Retry-After", "60");
            views.error(ctx, 503, "Too many sessions", "The dashboard has " + settings.sessions()
                    + " open sessions, the most it keeps (setting dashboard-sessions). Try again later, or ask "
                    + "the operator to raise the limit.");
            return false;
        }
        Session session = sessions.newSession(ctx);
        long now = settings.clock().millis();
        session.put(USER_ID, user.id());
        session.put(EMAIL, user.email());
        session.put(SIGNED_IN_AT, now);
        session.put(LAST_SEEN, now);
        session.put(CSRF, token());
        cap.add(user.id(), session.id());
        return true;
    }

    /** Ends a session now, in the store too (a replaced session is no longer the context's to flush). */
    private void endSession(Session session) {
        Long uid = session.isDestroyed() ? null : session.get(USER_ID);
        String id = session.id();
        if (!session.isDestroyed()) {
            session.destroy();
        }
        sessionStore.delete(id);
        if (uid != null) {
            cap.remove(uid, id);
        }
    }

    private void logout(RoutingContext ctx) {
        if (ctx.session() != null) {
            endSession(ctx.session());
        }
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
