package io.rebound.server.dashboard;

import io.rebound.core.event.EventType;
import io.rebound.core.store.Store;
import io.rebound.server.demo.InstallSnippet;
import io.rebound.server.http.ClasspathResources;
import io.rebound.server.meta.InvalidFieldException;
import io.rebound.server.meta.StoreRepository;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Store pages: the list with a create form, and each store's setup page — write key, secret key
 * (shown once after creation or rotation, then only rotatable), the install snippet with a copy
 * button, install guides (plain HTML, Shopify custom pixel, WooCommerce/WordPress plugin, the
 * code blocks of docs/pixel.md filled in with this store's URL and key) and the setup checklist.
 */
record StorePages(StoreAccess access, UserRepository users, StoreRepository stores, SetupProgress setup, Views views,
                  DashboardSettings settings) {
    static final String FLASH_SECRET = "flash.secret";
    private static final String[] HINTS = {
        "Paste the snippet into the <head> of every page; it sends PageView by itself.",
        "Track ViewContent with content_ids on product pages.",
        "Track AddToCart with content_ids when a product goes into the cart.",
        "Track InitiateCheckout on the checkout page.",
        "Track Purchase with value, currency and the order id as eventID on the thank-you page."};

    /**
     * The WooCommerce plugin's files, as the build copies them from {@code integrations/woocommerce/rebound}
     * (StorePagesGuideTest checks this list against that directory).
     */
    static final List<String> WOO_PLUGIN = List.of("rebound.php", "readme.txt", "includes/class-rebound-settings.php",
            "includes/class-rebound-events.php", "includes/class-rebound-webhooks.php");

    private static final String SHOPIFY_GUIDE = text("integrations/shopify/rebound-custom-pixel.js");
    private static final byte[] WOO_PLUGIN_ZIP = zip("integrations/woocommerce/rebound/", "rebound/", WOO_PLUGIN);
    private static final String EVENTS_HTML = text("templates/dashboard/guides/events.html");
    private static final String EVENTS_JS = text("templates/dashboard/guides/events.js");

    void mount(Router router) {
        router.get("/dashboard/stores").blockingHandler(this::list, false);
        router.post("/dashboard/stores").blockingHandler(this::create, false);
        String base = "/dashboard/stores/:store";
        router.get(base).blockingHandler(access.withStore(this::setupPage), false);
        router.get(base + "/rebound-woocommerce.zip").blockingHandler(access.withStore((ctx, s) -> wooPluginZip(ctx)), false);
        router.get(base + "/checklist").blockingHandler(access.withStore(this::checklistFragment), false);
        router.post(base + "/secret-key").blockingHandler(access.withStore(this::rotate), false);
    }

    private void list(RoutingContext ctx) {
        renderList(ctx, 200, "", null);
    }

    private void renderList(RoutingContext ctx, int status, String name, String error) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Store s : access.storesOf(DashboardAuth.userId(ctx))) {
            Map<EventType, Instant> firsts = setup.firsts(s.id());
            rows.add(Map.of("store", s, "done", firsts.size(), "total", SetupProgress.STEPS.size()));
        }
        Map<String, Object> m = new HashMap<>();
        m.put("title", "Your stores");
        m.put("rows", rows);
        m.put("name", name);
        m.put("nameError", error);
        views.page(ctx, status, "stores", m);
    }

    private void create(RoutingContext ctx) {
        String name = ctx.request().getFormAttribute("name");
        try {
            StoreRepository.Created created = stores.create(name, "on".equals(ctx.request().getFormAttribute("consent_required")));
            users.addMember(DashboardAuth.userId(ctx), created.store().id());
            ctx.session().put(FLASH_SECRET, created.store().id() + " " + created.secretKey());
            Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores/" + created.store().id()).end();
        } catch (InvalidFieldException e) {
            renderList(ctx, 400, name == null ? "" : name, "Store name " + e.problem() + ".");
        }
    }

    private void rotate(RoutingContext ctx, Store store) {
        String secret = stores.rotateSecretKey(store.id());
        ctx.session().put(FLASH_SECRET, store.id() + " " + secret);
        Views.secure(ctx).setStatusCode(303).putHeader("Location", "/dashboard/stores/" + store.id() + "#keys").end();
    }

    private void setupPage(RoutingContext ctx, Store store) {
        Map<String, Object> m = access.model(ctx, store, "setup", "Setup");
        String flash = ctx.session().remove(FLASH_SECRET);
        if (flash != null && flash.startsWith(store.id() + " ")) {
            m.put("secretKey", flash.substring(store.id().length() + 1));
        }
        String base = baseUrl(ctx, settings);
        m.put("serverUrl", base);
        m.put("snippet", InstallSnippet.html(base, store.writeKey()));
        m.put("shopifyGuide", fill(SHOPIFY_GUIDE, base, store.writeKey()));
        m.put("storeId", store.id());
        m.put("eventsHtml", EVENTS_HTML);
        m.put("eventsJs", EVENTS_JS);
        m.putAll(checklist(store));
        views.page(ctx, 200, "store", m);
    }

    /** The WooCommerce plugin to upload under Plugins → Add New → Upload Plugin (its settings take the URL and keys). */
    private void wooPluginZip(RoutingContext ctx) {
        Views.secure(ctx).putHeader("Content-Type", "application/zip")
                .putHeader("Content-Disposition", "attachment; filename=\"rebound-woocommerce.zip\"")
                .end(io.vertx.core.buffer.Buffer.buffer(WOO_PLUGIN_ZIP));
    }

    private void checklistFragment(RoutingContext ctx, Store store) {
        Map<String, Object> m = new HashMap<>(checklist(store));
        m.put("base", "/dashboard/stores/" + store.id());
        views.page(ctx, 200, "checklist", m);
    }

    private Map<String, Object> checklist(Store store) {
        Map<EventType, Instant> firsts = setup.firsts(store.id());
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < SetupProgress.STEPS.size(); i++) {
            EventType t = SetupProgress.STEPS.get(i);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("type", t.canonicalName());
            item.put("done", firsts.containsKey(t));
            item.put("at", firsts.containsKey(t) ? firsts.get(t).toString() : "");
            item.put("hint", HINTS[i]);
            items.add(item);
        }
        return Map.of("checklist", items, "checklistDone", firsts.size() == SetupProgress.STEPS.size(),
                "checklistCount", firsts.size());
    }

    /**
     * The URL this server is reached at (the pixel loads from there): the configured public URL,
     * else as the browser sees it — its Host, and the scheme a trusted proxy reports.
     */
    static String baseUrl(RoutingContext ctx, DashboardSettings settings) {
        if (settings.publicUrl() != null) {
            return settings.publicUrl().toString();
        }
        String scheme = settings.proxies().scheme(ctx.request());
        String host = ctx.request().authority() == null ? "localhost" : ctx.request().authority().toString();
        if (!host.matches("[A-Za-z0-9.\\-:\\[\\]]{1,255}")) {
            host = "localhost";
        }
        return scheme + "://" + host;
    }

    private static String fill(String guide, String base, String writeKey) {
        // The quoted placeholder only: the constant is named WRITE_KEY too.
        return guide.replace("'https://rebound.example.com'", "'" + base + "'").replace("'WRITE_KEY'", "'" + writeKey + "'");
    }

    private static String text(String path) {
        return new String(ClasspathResources.read(path), StandardCharsets.UTF_8);
    }

    /** The files under {@code from} on the classpath as a zip whose entries start with {@code under}. */
    static byte[] zip(String from, String under, List<String> files) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
            for (String f : files) {
                zip.putNextEntry(new java.util.zip.ZipEntry(under + f));
                zip.write(ClasspathResources.read(from + f));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
