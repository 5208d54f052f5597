package io.rebound.server.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.rebound.server.json.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The demo yoga shop, served by Rebound itself with the pixel installed exactly as
 * {@link InstallSnippet} prints it. Pages are server-rendered (Pebble); the cart lives in the
 * browser's localStorage; checkout places an order without payment.
 *
 * <p>Routes: {@code /shop/} (home), {@code /shop/categories/:slug}, {@code /shop/products/:id}
 * (ViewContent), {@code /shop/cart} (RemoveFromCart), {@code /shop/checkout}
 * (InitiateCheckout, identify), {@code POST /shop/orders}, {@code /shop/orders/:id} (Purchase with
 * the order id as event id), {@code /shop/images/:id.svg}, {@code /shop/assets/*}.
 */
public final class DemoShop {

    static final String SHOP_NAME = "Stillpoint Yoga";

    private final DemoCatalog catalog;
    private final String snippet;
    private final DemoOrderBook orders = new DemoOrderBook(10_000);
    private final PebbleEngine pebble;

    public DemoShop(DemoCatalog catalog, String baseUrl, String writeKey) {
        this.catalog = catalog;
        this.snippet = InstallSnippet.html(baseUrl, writeKey);
        ClasspathLoader loader = new ClasspathLoader(DemoShop.class.getClassLoader());
        loader.setPrefix("templates/shop");
        loader.setSuffix(".peb");
        this.pebble = new PebbleEngine.Builder().loader(loader).autoEscaping(true).build();
    }

    /** Adds the shop's routes under {@code /shop}. */
    public void mount(Router router) {
        // Vert.x matches "/shop" and "/shop/" alike; only the former is redirected.
        router.get("/shop").handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                home(ctx);
            } else {
                ctx.redirect("/shop/");
            }
        });
        router.get("/shop/categories/:slug").handler(this::category);
        router.get("/shop/products/:id").handler(ctx -> shown(ctx, catalog.find(ctx.pathParam("id")),
                "We could not find that product. It may have been removed from the catalog.", this::product));
        router.get("/shop/cart").handler(ctx -> page(ctx, 200, "cart", Map.of("title", "Your cart")));
        router.get("/shop/cart/restore").handler(this::restoreCart);
        router.get("/shop/checkout").handler(ctx -> page(ctx, 200, "checkout", Map.of("title", "Checkout")));
        router.post("/shop/orders").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::placeOrder);
        router.get("/shop/orders/:id").handler(ctx -> shown(ctx, orders.find(ctx.pathParam("id")),
                "We could not find that order.", this::order));
        router.get("/shop/images/:file").handler(this::image);
        router.get("/shop/assets/*").handler(StaticHandler.create("web/shop").setCachingEnabled(false));
        router.get("/shop/*").handler(ctx -> notFound(ctx, "This page does not exist."));
    }

    /** Orders placed so far (newest kept, bounded), mainly for tests and the demo command. */
    public Optional<DemoOrder> order(String id) {
        return orders.find(id);
    }

    private void home(RoutingContext ctx) {
        List<Map<String, Object>> sections = new ArrayList<>();
        catalog.categories().forEach((slug, name) -> sections.add(Map.of(
                "slug", slug, "name", name, "url", "/shop/categories/" + slug,
                "products", catalog.inCategory(slug).stream().map(this::view).toList())));
        page(ctx, 200, "home", Map.of("title", "Yoga equipment", "sections", sections));
    }

    private void category(RoutingContext ctx) {
        String slug = ctx.pathParam("slug");
        String name = catalog.categories().get(slug);
        if (name == null) {
            notFound(ctx, "There is no category called “" + slug + "”.");
            return;
        }
        page(ctx, 200, "category", Map.of("title", name, "categoryName", name, "activeCategory", slug,
                "products", catalog.inCategory(slug).stream().map(this::view).toList()));
    }

    private void product(RoutingContext ctx, DemoProduct p) {
        Map<String, Object> viewContent = new LinkedHashMap<>();
        viewContent.put("content_ids", List.of(p.id()));
        viewContent.put("content_type", "product");
        viewContent.put("content_name", p.name());
        viewContent.put("content_category", p.category());
        viewContent.put("contents", List.of(Map.of("id", p.id(), "quantity", 1, "item_price", p.price())));
        viewContent.put("value", p.price());
        viewContent.put("currency", DemoCatalog.CURRENCY);
        page(ctx, 200, "product", Map.of("title", p.name(), "product", view(p), "activeCategory", p.category(),
                "complements", catalog.complementsOf(p.id()).stream().map(this::view).toList(),
                "viewContent", scriptJson(viewContent)));
    }

    /**
     * A cart link, as a shop platform's cart permalink: {@code ?items=id:qty,id:qty&discount=CODE} fills
     * the browser's cart with those lines (priced from the catalog) and applies the code. Rebound's signed
     * recovery links redirect here.
     */
    private void restoreCart(RoutingContext ctx) {
        String items = ctx.request().getParam("items");
        String discount = ctx.request().getParam("discount");
        List<Map<String, Object>> lines = new ArrayList<>();
        String problem = null;
        if (items == null || items.isBlank() || items.length() > 2_000) {
            problem = "items: expected id:quantity pairs separated by commas";
        } else {
            String[] parts = items.split(",");
            if (parts.length > 50) {
                problem = "items: at most 50 lines";
            }
            for (int i = 0; problem == null && i < parts.length; i++) {
                String[] idQty = parts[i].trim().split(":");
                Optional<DemoProduct> p = catalog.find(idQty[0]);
                int qty;
                try {
                    qty = idQty.length > 1 ? Integer.parseInt(idQty[1]) : 1;
                } catch (NumberFormatException e) {
                    qty = 0;
                }
                if (p.isEmpty()) {
                    problem = "items: there is no product “" + idQty[0] + "” in this shop";
                } else if (qty < 1 || qty > 99) {
                    problem = "items: the quantity of " + idQty[0] + " must be from 1 to 99";
                } else {
                    lines.add(Map.of("id", p.get().id(), "name", p.get().name(), "price", p.get().price(),
                            "category", p.get().category(), "quantity", qty));
                }
            }
        }
        if (problem == null && discount != null && !discount.matches("[A-Za-z0-9_-]{1,64}")) {
            problem = "discount: a discount code is 1 to 64 letters, digits, _ or -";
        }
        if (problem != null) {
            page(ctx, 400, "error", Map.of("title", "Cart link not valid", "heading", "This cart link is not valid",
                    "message", problem));
            return;
        }
        Map<String, Object> model = new HashMap<>();
        model.put("title", "Your cart");
        model.put("restore", scriptJson(lines));
        model.put("discount", discount == null ? "" : discount);
        page(ctx, 200, "cart", model);
    }

    private void placeOrder(RoutingContext ctx) {
        String contentType = String.valueOf(ctx.request().getHeader("Content-Type"));
        boolean json = contentType.startsWith("application/json");
        String email;
        Map<String, Integer> items = new LinkedHashMap<>();
        try {
            if (json) {
                JsonObject body = ctx.body().asJsonObject();
                if (body == null) {
                    throw new IllegalArgumentException("body must be a JSON object {email, items:[{id, quantity}]}");
                }
                email = body.getString("email");
                JsonArray lines = body.getJsonArray("items", new JsonArray());
                for (int i = 0; i < lines.size(); i++) {
                    JsonObject line = lines.getJsonObject(i);
                    items.merge(line.getString("id"), line.getInteger("quantity", 1), Integer::sum);
                }
            } else {
                email = ctx.request().getParam("email");
                for (String part : String.valueOf(ctx.request().getParam("items")).split(",")) {
                    String[] idQty = part.trim().split(":");
                    if (!idQty[0].isEmpty() && !"null".equals(idQty[0])) {
                        items.merge(idQty[0], idQty.length > 1 ? Integer.parseInt(idQty[1]) : 1, Integer::sum);
                    }
                }
            }
            DemoOrder order = orders.place(catalog, email, items);
            String url = "/shop/orders/" + order.id();
            if (json) {
                ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                        .putHeader("Location", url)
                        .end(new JsonObject().put("orderId", order.id()).put("url", url)
                                .put("value", order.value().toPlainString()).put("currency", order.currency()).encode());
            } else {
                ctx.response().setStatusCode(303).putHeader("Location", url).end();
            }
        } catch (IllegalArgumentException | ClassCastException | DecodeException e) {
            String message = e instanceof ClassCastException ? "items: expected a list of {id: string, quantity: integer}"
                    : e instanceof DecodeException ? "body: expected JSON {email, items:[{id, quantity}]}"
                    : e instanceof NumberFormatException ? "items: expected id:quantity pairs separated by commas"
                    : e.getMessage();
            if (json) {
                ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("error", message).encode());
            } else {
                page(ctx, 400, "error", Map.of("title", "Order not placed", "heading", "We could not place your order",
                        "message", message));
            }
        }
    }

    private void order(RoutingContext ctx, DemoOrder o) {
        List<Map<String, Object>> contents = new ArrayList<>();
        List<Map<String, Object>> lines = new ArrayList<>();
        for (DemoOrder.Line line : o.lines()) {
            contents.add(Map.of("id", line.product().id(), "quantity", line.quantity(), "item_price", line.product().price()));
            Map<String, Object> v = new HashMap<>(view(line.product()));
            v.put("quantity", line.quantity());
            v.put("lineTotal", money(line.total()));
            lines.add(v);
        }
        Map<String, Object> purchase = new LinkedHashMap<>();
        purchase.put("content_ids", o.lines().stream().map(l -> l.product().id()).toList());
        purchase.put("content_type", "product");
        purchase.put("contents", contents);
        purchase.put("num_items", o.itemCount());
        purchase.put("value", o.value());
        purchase.put("currency", o.currency());
        purchase.put("order_id", o.id());
        page(ctx, 200, "order", Map.of("title", "Thank you", "order", Map.of("id", o.id(), "email", o.maskedEmail(),
                        "total", money(o.value()), "currency", o.currency(), "lines", lines),
                "purchase", scriptJson(purchase), "eventId", scriptJson(Map.of("eventID", o.id()))));
    }

    private void image(RoutingContext ctx) {
        String file = ctx.pathParam("file");
        Optional<DemoProduct> p = file.endsWith(".svg") ? catalog.find(file.substring(0, file.length() - 4)) : Optional.empty();
        if (p.isEmpty()) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8").end("no such image");
            return;
        }
        ctx.response().putHeader("Content-Type", "image/svg+xml").putHeader("Cache-Control", "public, max-age=86400")
                .end(ProductImages.svg(p.get()));
    }

    /** Shows {@code found} with {@code page}, or the not-found page saying {@code missing}. */
    private <T> void shown(RoutingContext ctx, Optional<T> found, String missing,
                           BiConsumer<RoutingContext, T> page) {
        found.ifPresentOrElse(item -> page.accept(ctx, item), () -> notFound(ctx, missing));
    }

    private void notFound(RoutingContext ctx, String message) {
        page(ctx, 404, "error", Map.of("title", "Not found", "heading", "Page not found", "message", message));
    }

    private void page(RoutingContext ctx, int status, String template, Map<String, Object> model) {
        Map<String, Object> context = new HashMap<>(model);
        context.put("shopName", SHOP_NAME);
        context.put("snippet", snippet);
        context.put("categories", catalog.categories().entrySet().stream()
                .map(e -> Map.of("slug", e.getKey(), "name", e.getValue(), "url", "/shop/categories/" + e.getKey()))
                .toList());
        StringWriter out = new StringWriter();
        try {
            pebble.getTemplate(template).evaluate(out, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpServerResponse response = ctx.response().setStatusCode(status);
        response.putHeader("Content-Type", "text/html; charset=utf-8").end(out.toString());
    }

    private Map<String, Object> view(DemoProduct p) {
        return Map.of("id", p.id(), "name", p.name(), "category", p.category(),
                "categoryName", catalog.categories().get(p.category()), "price", money(p.price()),
                "priceValue", p.price().toPlainString(), "description", p.description(),
                "image", p.imagePath(), "url", p.pagePath());
    }

    static String money(BigDecimal amount) {
        return "$" + amount.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    /** JSON safe to place inside an inline {@code <script>}: no {@code </script>}, no line separators. */
    static String scriptJson(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value).replace("<", "\\u003c").replace(">", "\\u003e")
                    .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tracking data", e);
        }
    }
}
