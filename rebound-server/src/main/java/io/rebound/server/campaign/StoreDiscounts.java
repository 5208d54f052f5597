package io.rebound.server.campaign;

import io.rebound.server.json.Json;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates a Rebound-issued code in the store, in each platform's documented wire format:
 * <ul>
 *   <li><b>Shopify</b> (REST Admin API): {@code POST /admin/api/{version}/price_rules.json} — a price rule of
 *       {@code percentage} {@code -percent} on all line items, once per customer, usage limit 1, from the
 *       issue to the expiry, with the minimum order as {@code prerequisite_subtotal_range} — then
 *       {@code POST /admin/api/{version}/price_rules/{id}/discount_codes.json} with the code; header
 *       {@code X-Shopify-Access-Token};</li>
 *   <li><b>WooCommerce</b> (REST API v3): {@code POST /wp-json/wc/v3/coupons} — {@code discount_type percent},
 *       {@code individual_use}, usage limit 1 (and 1 per user), {@code date_expires_gmt},
 *       {@code minimum_amount}; HTTP Basic auth with the consumer key and secret.</li>
 * </ul>
 * In dry-run nothing is sent: the requests that would be are returned instead.
 */
public final class StoreDiscounts {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final DateTimeFormatter WOO_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    /** The store's platform connection. {@code apiVersion} is Shopify's (e.g. 2025-07); WooCommerce has none. */
    public record Connection(String platform, String shopUrl, String apiVersion, boolean live,
                             Map<String, String> credentials) {
        public Connection {
            credentials = Map.copyOf(credentials);
        }
    }

    /** A code to create: {@code minimumOrder} may be null. */
    public record Code(String code, String campaignId, int percent, BigDecimal minimumOrder, Instant issuedAt,
                       Instant expiresAt) {
    }

    /** One request as sent (or, in dry-run, as it would be). Credentials are not kept here. */
    public record Request(String method, String url, String body) {
    }

    /**
     * What happened: {@code created} true when the store has the code (live), false in dry-run or on a
     * failure ({@code error} then says why, with the platform's answer).
     */
    public record Outcome(boolean created, boolean dryRun, List<Request> requests, String error) {
    }

    private final HttpClient http;

    public StoreDiscounts(HttpClient http) {
        this.http = http;
    }

    public Outcome create(Connection c, Code code) {
        return switch (c.platform()) {
            case "shopify" -> shopify(c, code);
            case "woocommerce" -> woocommerce(c, code);
            default -> throw new IllegalArgumentException("platform " + c.platform());
        };
    }

    private static String base(Connection c) {
        return c.shopUrl().replaceAll("/+$", "");
    }

    static String priceRuleBody(Code code) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("title", code.code());
        rule.put("target_type", "line_item");
        rule.put("target_selection", "all");
        rule.put("allocation_method", "across");
        rule.put("value_type", "percentage");
        rule.put("value", "-" + BigDecimal.valueOf(code.percent()).setScale(1, RoundingMode.UNNECESSARY).toPlainString());
        rule.put("customer_selection", "all");
        rule.put("once_per_customer", true);
        rule.put("usage_limit", 1);
        rule.put("starts_at", code.issuedAt().toString());
        rule.put("ends_at", code.expiresAt().toString());
        if (code.minimumOrder() != null) {
            rule.put("prerequisite_subtotal_range", Map.of("greater_than_or_equal_to",
                    code.minimumOrder().setScale(2, RoundingMode.HALF_UP).toPlainString()));
        }
        return json(Map.of("price_rule", rule));
    }

    private Outcome shopify(Connection c, Code code) {
        String api = base(c) + "/admin/api/" + c.apiVersion();
        Request rule = new Request("POST", api + "/price_rules.json", priceRuleBody(code));
        String codeBody = json(Map.of("discount_code", Map.of("code", code.code())));
        if (!c.live()) {
            return new Outcome(false, true, List.of(rule, new Request("POST", api
                    + "/price_rules/{price_rule_id}/discount_codes.json", codeBody)), null);
        }
        List<Request> sent = new ArrayList<>();
        Map<String, String> headers = Map.of("X-Shopify-Access-Token", c.credentials().get("access_token"));
        sent.add(rule);
        HttpResponse<String> r;
        try {
            r = send(rule, headers);
            if (r.statusCode() != 201) {
                return new Outcome(false, false, sent, "price rule: HTTP " + r.statusCode() + " " + cut(r.body()));
            }
            long id = Json.MAPPER.readTree(r.body()).path("price_rule").path("id").asLong(0);
            if (id <= 0) {
                return new Outcome(false, false, sent, "price rule: no id in the answer " + cut(r.body()));
            }
            Request discount = new Request("POST", api + "/price_rules/" + id + "/discount_codes.json", codeBody);
            sent.add(discount);
            r = send(discount, headers);
            if (r.statusCode() != 201) {
                return new Outcome(false, false, sent, "discount code: HTTP " + r.statusCode() + " " + cut(r.body()));
            }
            return new Outcome(true, false, sent, null);
        } catch (IOException e) {
            return new Outcome(false, false, sent, "shopify: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, false, sent, "interrupted");
        }
    }

    static String couponBody(Code code) {
        Map<String, Object> coupon = new LinkedHashMap<>();
        coupon.put("code", code.code());
        coupon.put("discount_type", "percent");
        coupon.put("amount", String.valueOf(code.percent()));
        coupon.put("description", "Rebound campaign " + code.campaignId());
        coupon.put("individual_use", true);
        coupon.put("usage_limit", 1);
        coupon.put("usage_limit_per_user", 1);
        coupon.put("date_expires_gmt", LocalDateTime.ofInstant(code.expiresAt(), ZoneOffset.UTC).format(WOO_DATE));
        if (code.minimumOrder() != null) {
            coupon.put("minimum_amount", code.minimumOrder().setScale(2, RoundingMode.HALF_UP).toPlainString());
        }
        return json(coupon);
    }

    private Outcome woocommerce(Connection c, Code code) {
        Request coupon = new Request("POST", base(c) + "/wp-json/wc/v3/coupons", couponBody(code));
        if (!c.live()) {
            return new Outcome(false, true, List.of(coupon), null);
        }
        String basic = Base64.getEncoder().encodeToString((c.credentials().get("consumer_key") + ":"
                + c.credentials().get("consumer_secret")).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = send(coupon, Map.of("Authorization", "Basic " + basic));
            if (r.statusCode() != 201) {
                return new Outcome(false, false, List.of(coupon), "coupon: HTTP " + r.statusCode() + " " + cut(r.body()));
            }
            return new Outcome(true, false, List.of(coupon), null);
        } catch (IOException e) {
            return new Outcome(false, false, List.of(coupon), "woocommerce: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, false, List.of(coupon), "interrupted");
        }
    }

    private HttpResponse<String> send(Request r, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url())).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("User-Agent", "Rebound/1 (discount codes)")
                .POST(HttpRequest.BodyPublishers.ofString(r.body(), StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cut(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
