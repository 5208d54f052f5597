package io.rebound.server.webhooks;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A store platform whose webhooks Rebound receives, with the headers it signs and names its
 * deliveries with (../shared/PLATFORMS.md, "Store webhooks"). Both sign the raw body the same way:
 * base64(HMAC-SHA256(raw body, secret)).
 */
public enum WebhookPlatform {
    /** Signed with the app's client secret (or the store's webhook signing secret for admin-made webhooks). */
    SHOPIFY("shopify", "Shopify", "X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Webhook-Id",
            List.of("orders/create", "checkouts/create", "checkouts/update", "products/update")),
    /** Signed with the secret set on the webhook in WooCommerce → Settings → Advanced → Webhooks. */
    WOOCOMMERCE("woocommerce", "WooCommerce", "X-WC-Webhook-Signature", "X-WC-Webhook-Topic",
            "X-WC-Webhook-Delivery-ID", List.of("order.created", "order.updated", "product.updated"));

    private final String id;
    private final String displayName;
    private final String signatureHeader;
    private final String topicHeader;
    private final String deliveryHeader;
    private final List<String> topics;

    WebhookPlatform(String id, String displayName, String signatureHeader, String topicHeader, String deliveryHeader,
                    List<String> topics) {
        this.id = id;
        this.displayName = displayName;
        this.signatureHeader = signatureHeader;
        this.topicHeader = topicHeader;
        this.deliveryHeader = deliveryHeader;
        this.topics = topics;
    }

    /** The platform named {@code id} in a URL ({@code shopify}, {@code woocommerce}), if any. */
    public static Optional<WebhookPlatform> byId(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String wanted = id.toLowerCase(Locale.ROOT);
        for (WebhookPlatform p : values()) {
            if (p.id.equals(wanted)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The platform's name in URLs and in the database. */
    public String id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    /** The header holding base64(HMAC-SHA256(raw body, secret)). */
    public String signatureHeader() {
        return signatureHeader;
    }

    public String topicHeader() {
        return topicHeader;
    }

    /** The topics Rebound handles (a store subscribes its webhooks to these); others are answered 200 and ignored. */
    public List<String> topics() {
        return topics;
    }

    /** What a delivery of {@code topic} is about. */
    public Kind kind(String topic) {
        if (topic.startsWith("order")) {
            return Kind.ORDER;
        }
        return topic.startsWith("checkout") ? Kind.CHECKOUT : Kind.PRODUCT;
    }

    /** What a handled topic's delivery holds. */
    public enum Kind {
        /** An order: a Purchase. */
        ORDER,
        /** A checkout (Shopify): an InitiateCheckout that keeps the recovery URL. */
        CHECKOUT,
        /** A product: an upsert into the store's catalog. */
        PRODUCT
    }

    /** The header naming one delivery; a redelivery repeats it. */
    public String deliveryHeader() {
        return deliveryHeader;
    }
}
