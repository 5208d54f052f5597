<?php
/**
 * Tests of the Rebound WooCommerce plugin, run with php-cli (`php tests/run.php`): the plugin is
 * loaded over the stubs in stubs.php, WooCommerce's hooks are fired with the arguments WooCommerce
 * documents for them, and the output and recorded calls are checked. Prints one line per test and
 * "ok N" at the end; exits 1 when a test fails.
 */

require __DIR__ . '/stubs.php';
require __DIR__ . '/../rebound/rebound.php';

$failures = 0;
$passed = 0;

function check($condition, $message) {
    if (!$condition) {
        throw new RuntimeException($message);
    }
}

function contains($haystack, $needle, $what) {
    check(strpos($haystack, $needle) !== false, $what . ": expected to contain\n  " . $needle . "\nin\n  " . $haystack);
}

/** The output of firing a hook. */
function fire($hook, ...$args) {
    ob_start();
    do_action($hook, ...$args);
    return ob_get_clean();
}

/** The tracked calls in some output: [[command, event, props, options], ...]. */
function calls($html) {
    preg_match_all("/<script>rebound\\('(track|identify)',(.*?)\\);<\\/script>/s", $html, $m, PREG_SET_ORDER);
    $out = [];
    foreach ($m as $match) {
        $args = json_decode('[' . $match[2] . ']', true);
        check(is_array($args), 'not JSON: ' . $match[2]);
        array_unshift($args, $match[1]);
        $out[] = $args;
    }
    return $out;
}

function configure() {
    $GLOBALS['rb_options'] = ['rebound_server_url' => 'https://rebound.example.com', 'rebound_store_id' => 'st_shop1',
        'rebound_write_key' => 'wk_public123'];
    $GLOBALS['rb_wc'] = new WC_Stub();
    $GLOBALS['rb_requests'] = [];
    $GLOBALS['rb_webhooks'] = [];
    $GLOBALS['rb_response'] = ['response' => ['code' => 200], 'body' => '{"platform":"woocommerce"}'];
    $_COOKIE = [];
    $_POST = [];
    $GLOBALS['rb_products'] = [
        37 => new WC_Product(37, 'Yoga mat', '39.90'),
        40 => new WC_Product(40, 'Yoga T-shirt', '20.00'),
        41 => new WC_Product_Variation(41, 'Yoga T-shirt - Blue, M', '22.50'),
    ];
}

$tests = [
    'the pixel is in the head once configured, and nowhere before' => function () {
        $GLOBALS['rb_options'] = [];
        check(fire('wp_head') === '', 'no snippet without settings');
        configure();
        $head = fire('wp_head');
        contains($head, '"https:\/\/rebound.example.com\/pixel.js"', 'loads pixel.js from the server');
        contains($head, "rebound('init',\"wk_public123\")", 'inits with the write key');
        contains($head, 'https://rebound.example.com/v1/collect.gif?k=wk_public123&#038;e=PageView', 'noscript page view');
    },

    'a product page fires ViewContent with the product id, price and currency' => function () {
        configure();
        $GLOBALS['product'] = $GLOBALS['rb_products'][37];
        $calls = calls(fire('woocommerce_after_single_product'));
        check(count($calls) === 1, 'one call');
        [$cmd, $event, $props] = $calls[0];
        check($cmd === 'track' && $event === 'ViewContent', 'ViewContent');
        check($props['content_ids'] === ['37'], 'content id 37');
        check($props['value'] === 39.9 && $props['currency'] === 'EUR', 'value and currency');
        check($props['content_name'] === 'Yoga mat', 'name');
    },

    'a product name cannot break out of the script element' => function () {
        configure();
        $GLOBALS['product'] = new WC_Product(99, '</script><script>alert(1)</script>', '1');
        $html = fire('woocommerce_after_single_product');
        check(strpos($html, 'alert(1)</script>') === false, 'the name is escaped: ' . $html);
        check(calls($html)[0][2]['content_name'] === '</script><script>alert(1)</script>', 'and decodes to itself');
    },

    'add to cart on a page load: the variation id, reported by the next page' => function () {
        configure();
        // woocommerce_add_to_cart($cart_item_key, $product_id, $quantity, $variation_id, $variation, $cart_item_data)
        fire('woocommerce_add_to_cart', 'key1', 40, 2, 41, ['attribute_pa_color' => 'blue'], []);
        $footer = fire('wp_footer');
        contains($footer, '<div class="rebound-added"', 'the placeholder for AJAX fragments');
        $calls = calls($footer);
        check(count($calls) === 1 && $calls[0][1] === 'AddToCart', 'one AddToCart');
        check($calls[0][2]['content_ids'] === ['41'], 'the variation id');
        check($calls[0][2]['contents'][0]['quantity'] === 2, 'quantity 2');
        check($calls[0][2]['value'] == 45, 'value 2 × 22.50');
        check(calls(fire('wp_footer')) === [], 'reported once');
    },

    'add to cart from an AJAX button: the event comes back in the cart fragments' => function () {
        configure();
        fire('woocommerce_add_to_cart', 'key2', 37, 1, 0, [], []);
        $fragments = apply_filters('woocommerce_add_to_cart_fragments', ['div.widget_shopping_cart_content' => '<div>cart</div>']);
        check(isset($fragments['div.widget_shopping_cart_content']), 'other fragments are kept');
        $calls = calls($fragments['div.rebound-added']);
        check(count($calls) === 1 && $calls[0][1] === 'AddToCart' && $calls[0][2]['content_ids'] === ['37'], 'AddToCart 37');
        check(calls(apply_filters('woocommerce_add_to_cart_fragments', [])['div.rebound-added']) === [], 'once');
    },

    'the checkout page fires InitiateCheckout with the cart' => function () {
        configure();
        WC()->cart->items = [
            'a' => ['data' => $GLOBALS['rb_products'][37], 'quantity' => 1],
            'b' => ['data' => $GLOBALS['rb_products'][41], 'quantity' => 2],
        ];
        // woocommerce_after_checkout_form($checkout)
        $calls = calls(fire('woocommerce_after_checkout_form', new stdClass()));
        check(count($calls) === 1 && $calls[0][1] === 'InitiateCheckout', 'InitiateCheckout');
        check($calls[0][2]['content_ids'] === ['37', '41'], 'both ids');
        check($calls[0][2]['num_items'] === 3, 'three items');
        check(abs($calls[0][2]['value'] - 84.9) < 0.001, 'the cart total');
    },

    'the thank-you page identifies the buyer and fires Purchase with the order number as event id' => function () {
        configure();
        $order = new WC_Order(1234);
        $order->number = 'WC-1234';
        $order->email = 'buyer@example.com';
        $order->customer_id = 7;
        $order->total = '84.90';
        $order->items = [new WC_Order_Item_Product($GLOBALS['rb_products'][37], 1), new WC_Order_Item_Product($GLOBALS['rb_products'][41], 2)];
        $GLOBALS['rb_orders'][1234] = $order;
        // woocommerce_thankyou($order_id)
        $calls = calls(fire('woocommerce_thankyou', 1234));
        check(count($calls) === 2, 'identify and purchase');
        check($calls[0][0] === 'identify' && $calls[0][1] === ['email' => 'buyer@example.com', 'user_id' => '7'], 'identify');
        [$cmd, $event, $props, $options] = $calls[1];
        check($event === 'Purchase' && $options === ['eventID' => 'order-WC-1234'], 'event id order-{number}');
        check($props['order_id'] === 'WC-1234' && $props['content_ids'] === ['37', '41'], 'ids');
        check(abs($props['value'] - 84.9) < 0.001 && $props['currency'] === 'EUR', 'value');
    },

    'the anonymous id goes onto the order as meta, classic and block checkout alike' => function () {
        configure();
        $_COOKIE['_rb_aid'] = 'b1c2d3e4-visitor';
        $order = new WC_Order(55);
        // woocommerce_checkout_create_order($order, $data)
        fire('woocommerce_checkout_create_order', $order, ['billing_email' => 'x@example.com']);
        check(($order->meta['_rb_aid'] ?? null) === 'b1c2d3e4-visitor', 'meta _rb_aid');
        $block = new WC_Order(56);
        // woocommerce_store_api_checkout_update_order_meta($order)
        fire('woocommerce_store_api_checkout_update_order_meta', $block);
        check(($block->meta['_rb_aid'] ?? null) === 'b1c2d3e4-visitor', 'block checkout meta');
        $_COOKIE['_rb_aid'] = '<script>';
        $bad = new WC_Order(57);
        fire('woocommerce_checkout_create_order', $bad, []);
        check(!isset($bad->meta['_rb_aid']), 'a cookie that is no id is not stored');
    },

    'registering the webhooks sets the secret in Rebound, then creates three signed WooCommerce webhooks' => function () {
        configure();
        $ids = Rebound_Webhooks::register_webhooks('sk_secret', 1);
        check(is_array($ids) && array_keys($ids) === ['order.created', 'order.updated', 'product.updated'], 'three topics');
        check(count($GLOBALS['rb_requests']) === 1, 'one request to Rebound');
        [$url, $args] = $GLOBALS['rb_requests'][0];
        check($url === 'https://rebound.example.com/api/v1/stores/st_shop1/webhooks/woocommerce', 'the secrets API: ' . $url);
        check($args['method'] === 'PUT' && $args['headers']['Authorization'] === 'Bearer sk_secret', 'PUT with the key');
        $secret = json_decode($args['body'], true)['secret'];
        check(strlen($secret) >= 16, 'a secret WooCommerce accepts');
        foreach ($ids as $topic => $id) {
            $w = $GLOBALS['rb_webhooks'][$id];
            check($w['topic'] === $topic && $w['secret'] === $secret && $w['status'] === 'active', $topic);
            check($w['delivery_url'] === 'https://rebound.example.com/webhooks/st_shop1/woocommerce', 'delivery URL');
            check($w['api_version'] === 'wp_api_v3', 'API v3 payloads');
        }
        check(!isset($GLOBALS['rb_options']['rebound_secret_key']), 'the key is not stored');
        // Again: the same webhooks, a new secret.
        $again = Rebound_Webhooks::register_webhooks('sk_secret', 1);
        check($again === $ids && count($GLOBALS['rb_webhooks']) === 3, 'updated, not duplicated');
    },

    'a secret Rebound refuses creates no webhook and says why' => function () {
        configure();
        $GLOBALS['rb_response'] = ['response' => ['code' => 401], 'body' => '{"error":"unauthorized"}'];
        $result = Rebound_Webhooks::register_webhooks('sk_wrong', 1);
        check(is_wp_error($result) && strpos($result->get_error_message(), 'HTTP 401') !== false, 'the error');
        check($GLOBALS['rb_webhooks'] === [], 'no webhook');
        check(is_wp_error(Rebound_Webhooks::register_webhooks('', 1)), 'no key, no request');
    },

    'the admin form posts with a nonce, and the handler redirects with the result' => function () {
        configure();
        $_POST = ['_wpnonce' => 'nonce-rebound_register_webhooks', 'rebound_secret_key' => 'sk_secret'];
        try {
            Rebound_Webhooks::handle();
            check(false, 'redirects');
        } catch (Rb_Redirected $e) {
            // where WordPress would exit
        }
        contains($GLOBALS['rb_redirect'], 'rebound_registered=3', 'redirect');
        $_POST['_wpnonce'] = 'forged';
        $threw = false;
        try { Rebound_Webhooks::handle(); } catch (Rb_Redirected $e) { $threw = false; } catch (RuntimeException $e) { $threw = true; }
        check($threw, 'a forged nonce is refused');
    },

    'the settings page registers its fields and refuses a URL that is not http(s)' => function () {
        configure();
        do_action('admin_init');
        check(isset($GLOBALS['rb_registered_settings']['rebound_server_url'], $GLOBALS['rb_registered_settings']['rebound_write_key']), 'settings');
        check(Rebound_Settings::sanitize_url('https://rebound.example.com/') === 'https://rebound.example.com', 'trailing slash');
        check(Rebound_Settings::sanitize_url('javascript:alert(1)') === 'https://rebound.example.com', 'kept the old value');
        check(count($GLOBALS['rb_settings_errors']) === 1, 'an error is shown');
        check(Rebound_Settings::sanitize_id('wk_ok-1') === 'wk_ok-1' && Rebound_Settings::sanitize_id('a b"') === '', 'ids');
        do_action('admin_menu');
        ob_start();
        call_user_func($GLOBALS['rb_pages']['rebound'][1]);
        $page = ob_get_clean();
        contains($page, 'name="rebound_server_url" value="https://rebound.example.com"', 'the URL field');
        contains($page, 'name="rebound_write_key" value="wk_public123"', 'the write key field');
        contains($page, 'type="password" id="rebound_secret_key"', 'the secret key is asked, not shown');
    },
];

foreach ($tests as $name => $test) {
    try {
        $test();
        $passed++;
        echo "pass: $name\n";
    } catch (Throwable $e) {
        $failures++;
        echo "FAIL: $name\n  " . str_replace("\n", "\n  ", $e->getMessage()) . "\n";
    }
}
echo $failures ? "failed $failures of " . count($tests) . "\n" : "ok $passed\n";
exit($failures ? 1 : 0);
