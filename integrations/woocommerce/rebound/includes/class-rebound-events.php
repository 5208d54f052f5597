<?php
defined('ABSPATH') || exit;

/**
 * Loads Rebound's pixel on every page and fires the standard events from WooCommerce's hooks:
 * ViewContent on a product page, AddToCart (page loads and AJAX buttons), InitiateCheckout on the
 * checkout page, Purchase on the thank-you page with the order number as event id — the id the
 * order webhook's server-side Purchase has, so the two count once. Product ids are WooCommerce
 * product ids, or variation ids for a variation: the ids the webhooks and the usual catalog feeds use.
 *
 * Rebound's anonymous id (the pixel's first-party cookie) is stored on the order as the meta
 * `_rb_aid`, which the order webhook carries in `meta_data`, so the server-side purchase is filed
 * under the visitor who browsed.
 */
final class Rebound_Events {
    const COOKIE = '_rb_aid';
    const META = '_rb_aid';
    const SESSION_KEY = 'rebound_added';
    /** JSON safe inside a <script> element and an HTML attribute. */
    const JSON_FLAGS = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT;

    public static function register() {
        add_action('wp_head', [self::class, 'pixel'], 1);
        add_action('woocommerce_after_single_product', [self::class, 'product_viewed']);
        add_action('woocommerce_add_to_cart', [self::class, 'added_to_cart'], 10, 6);
        add_action('wp_footer', [self::class, 'footer_placeholder'], 5);
        add_action('wp_footer', [self::class, 'footer_added']);
        add_filter('woocommerce_add_to_cart_fragments', [self::class, 'fragments']);
        add_action('woocommerce_after_checkout_form', [self::class, 'checkout_viewed']);
        add_action('woocommerce_thankyou', [self::class, 'thank_you']);
        add_action('woocommerce_checkout_create_order', [self::class, 'keep_anonymous_id'], 10, 2);
        add_action('woocommerce_store_api_checkout_update_order_meta', [self::class, 'keep_anonymous_id']);
    }

    /** The install snippet, first in <head>. */
    public static function pixel() {
        if (!Rebound_Settings::configured()) {
            return;
        }
        $base = Rebound_Settings::server_url();
        echo "<!-- Rebound pixel -->\n<script>\n"
            . "!function(w,d,u,r,s,t){if(w.rebound)return;r=w.rebound=function(){r.q.push(arguments)};r.q=[];\n"
            . "s=d.createElement('script');s.async=!0;s.src=u;t=d.getElementsByTagName('script')[0];\n"
            . "t.parentNode.insertBefore(s,t)}(window,document," . self::json($base . '/pixel.js') . ");\n"
            . "rebound('init'," . self::json(Rebound_Settings::write_key()) . ");\n"
            . "</script>\n<noscript><img src=\"" . esc_url($base . '/v1/collect.gif?k=' . rawurlencode(Rebound_Settings::write_key()) . '&e=PageView')
            . "\" width=\"1\" height=\"1\" style=\"display:none\" alt=\"\"></noscript>\n<!-- End Rebound pixel -->\n";
    }

    /** ViewContent on a product page (the global $product WooCommerce sets there). */
    public static function product_viewed() {
        global $product;
        if (!Rebound_Settings::configured() || !is_object($product) || !method_exists($product, 'get_id')) {
            return;
        }
        $line = self::line($product, 1);
        echo self::track('ViewContent', [
            'content_ids' => [$line['id']], 'content_type' => 'product', 'content_name' => $product->get_name(),
            'contents' => [$line], 'value' => $line['item_price'], 'currency' => get_woocommerce_currency(),
        ]);
    }

    /**
     * woocommerce_add_to_cart($cart_item_key, $product_id, $quantity, $variation_id, $variation, $cart_item_data):
     * remembered in the session and reported by the next page or the AJAX fragments refresh.
     */
    public static function added_to_cart($cart_item_key, $product_id, $quantity, $variation_id = 0, $variation = [], $cart_item_data = []) {
        $product = wc_get_product($variation_id ? $variation_id : $product_id);
        $wc = function_exists('WC') ? WC() : null;
        if (!$product || !$wc || !$wc->session) {
            return;
        }
        $pending = (array) $wc->session->get(self::SESSION_KEY, []);
        $pending[] = self::line($product, $quantity);
        $wc->session->set(self::SESSION_KEY, array_slice($pending, -20));
    }

    /** The AddToCart events waiting in the session, as scripts; the session is emptied. */
    public static function flush_added() {
        $wc = function_exists('WC') ? WC() : null;
        if (!Rebound_Settings::configured() || !$wc || !$wc->session) {
            return '';
        }
        $pending = (array) $wc->session->get(self::SESSION_KEY, []);
        if (!$pending) {
            return '';
        }
        $wc->session->set(self::SESSION_KEY, []);
        $out = '';
        foreach ($pending as $line) {
            $out .= self::track('AddToCart', [
                'content_ids' => [$line['id']], 'content_type' => 'product', 'contents' => [$line],
                'value' => round($line['item_price'] * $line['quantity'], 2), 'currency' => get_woocommerce_currency(),
            ]);
        }
        return $out;
    }

    public static function footer_placeholder() {
        echo '<div class="rebound-added" style="display:none"></div>';
    }

    public static function footer_added() {
        echo self::flush_added();
    }

    /** AJAX add-to-cart buttons: WooCommerce replaces div.rebound-added with this fragment, running its scripts. */
    public static function fragments($fragments) {
        $fragments = is_array($fragments) ? $fragments : [];
        $fragments['div.rebound-added'] = '<div class="rebound-added" style="display:none">' . self::flush_added() . '</div>';
        return $fragments;
    }

    /** InitiateCheckout on the checkout page (woocommerce_after_checkout_form($checkout)). */
    public static function checkout_viewed($checkout = null) {
        $wc = function_exists('WC') ? WC() : null;
        if (!Rebound_Settings::configured() || !$wc || !$wc->cart) {
            return;
        }
        $contents = [];
        foreach ($wc->cart->get_cart() as $item) {
            if (isset($item['data']) && is_object($item['data'])) {
                $contents[] = self::line($item['data'], $item['quantity']);
            }
        }
        echo self::track('InitiateCheckout', [
            'content_ids' => array_column($contents, 'id'), 'content_type' => 'product', 'contents' => $contents,
            'num_items' => (int) $wc->cart->get_cart_contents_count(), 'value' => (float) $wc->cart->get_total('edit'),
            'currency' => get_woocommerce_currency(),
        ]);
    }

    /** Purchase on the thank-you page (woocommerce_thankyou($order_id)), after an identify with the billing email. */
    public static function thank_you($order_id) {
        $order = $order_id ? wc_get_order($order_id) : null;
        if (!Rebound_Settings::configured() || !$order) {
            return;
        }
        $contents = [];
        foreach ($order->get_items() as $item) {
            $product = $item->get_product();
            if ($product) {
                $contents[] = ['id' => (string) $product->get_id(), 'quantity' => (int) $item->get_quantity(),
                    'item_price' => (float) $order->get_item_total($item, true)];
            }
        }
        $identify = [];
        if ($order->get_billing_email()) {
            // Hashed by the pixel in the browser; only its SHA-256 leaves the page.
            $identify['email'] = $order->get_billing_email();
        }
        if ($order->get_customer_id()) {
            $identify['user_id'] = (string) $order->get_customer_id();
        }
        $number = (string) $order->get_order_number();
        $out = $identify ? '<script>rebound(\'identify\',' . self::json($identify) . ");</script>\n" : '';
        $out .= self::track('Purchase', [
            'content_ids' => array_column($contents, 'id'), 'content_type' => 'product', 'contents' => $contents,
            'value' => (float) $order->get_total(), 'currency' => $order->get_currency(), 'order_id' => $number,
        ], ['eventID' => 'order-' . $number]);
        echo $out;
    }

    /**
     * woocommerce_checkout_create_order($order, $data) and, for the block checkout,
     * woocommerce_store_api_checkout_update_order_meta($order): the pixel's anonymous id onto the order.
     */
    public static function keep_anonymous_id($order, $data = null) {
        if (!is_object($order) || empty($_COOKIE[self::COOKIE])) {
            return;
        }
        $id = sanitize_text_field(wp_unslash($_COOKIE[self::COOKIE]));
        if (preg_match('/^[A-Za-z0-9._:-]{1,200}$/', $id)) {
            $order->update_meta_data(self::META, $id);
        }
    }

    /** A product line: the variation's id for a variation, else the product's; the price shown to the shopper. */
    public static function line($product, $quantity) {
        return ['id' => (string) $product->get_id(), 'quantity' => max(1, (int) $quantity),
            'item_price' => (float) wc_get_price_to_display($product)];
    }

    public static function track($event, array $props, ?array $options = null) {
        return "<script>rebound('track'," . self::json($event) . ',' . self::json($props)
            . ($options ? ',' . self::json($options) : '') . ");</script>\n";
    }

    private static function json($value) {
        return wp_json_encode($value, self::JSON_FLAGS);
    }
}
