<?php
/**
 * Plugin Name: Rebound pixel
 * Description: Rebound first-party pixel: page views, product views, add to cart, checkout, purchase.
 * Version: 1.0
 */
defined('ABSPATH') || exit;

const REBOUND_BASE = 'https://rebound.example.com';
const REBOUND_WRITE_KEY = 'WRITE_KEY';

// The install snippet, first thing in <head>.
add_action('wp_head', function () {
    $base = esc_url(REBOUND_BASE);
    $key = esc_js(REBOUND_WRITE_KEY);
    ?>
<!-- Rebound pixel -->
<script>
!function(w,d,u,r,s,t){if(w.rebound)return;r=w.rebound=function(){r.q.push(arguments)};r.q=[];
s=d.createElement('script');s.async=!0;s.src=u;t=d.getElementsByTagName('script')[0];
t.parentNode.insertBefore(s,t)}(window,document,'<?php echo $base; ?>/pixel.js');
rebound('init','<?php echo $key; ?>');
</script>
<noscript><img src="<?php echo $base; ?>/v1/collect.gif?k=<?php echo esc_attr(REBOUND_WRITE_KEY); ?>&amp;e=PageView" width="1" height="1" style="display:none" alt=""></noscript>
<!-- End Rebound pixel -->
    <?php
}, 1);

function rebound_track($event, array $props, ?array $options = null) {
    $args = wp_json_encode($event) . ',' . wp_json_encode($props) . ($options ? ',' . wp_json_encode($options) : '');
    echo "<script>rebound('track'," . $args . ");</script>\n";
}

function rebound_line(WC_Product $product, $quantity) {
    return ['id' => (string) $product->get_id(), 'quantity' => (int) $quantity,
            'item_price' => (float) wc_get_price_to_display($product)];
}

// ViewContent on product pages.
add_action('woocommerce_after_single_product', function () {
    global $product;
    if (!$product instanceof WC_Product) return;
    $line = rebound_line($product, 1);
    rebound_track('ViewContent', ['content_ids' => [$line['id']], 'content_type' => 'product',
        'content_name' => $product->get_name(), 'contents' => [$line],
        'value' => $line['item_price'], 'currency' => get_woocommerce_currency()]);
});

// AddToCart: WooCommerce adds to the cart with a page load or with AJAX; the cart remembers
// what was added, and the next page (or the AJAX fragment refresh) reports it.
add_action('woocommerce_add_to_cart', function ($key, $product_id, $quantity, $variation_id) {
    $product = wc_get_product($variation_id ?: $product_id);
    if ($product && WC()->session) {
        $pending = WC()->session->get('rebound_added', []);
        $pending[] = rebound_line($product, $quantity);
        WC()->session->set('rebound_added', $pending);
    }
}, 10, 4);

function rebound_flush_added() {
    if (!function_exists('WC') || !WC()->session) return '';
    $pending = WC()->session->get('rebound_added', []);
    if (!$pending) return '';
    WC()->session->set('rebound_added', []);
    $out = '';
    foreach ($pending as $line) {
        $out .= "<script>rebound('track','AddToCart'," . wp_json_encode(['content_ids' => [$line['id']],
            'content_type' => 'product', 'contents' => [$line],
            'value' => $line['item_price'] * $line['quantity'], 'currency' => get_woocommerce_currency()]) . ");</script>\n";
    }
    return $out;
}
add_action('wp_footer', function () { echo rebound_flush_added(); });
add_filter('woocommerce_add_to_cart_fragments', function ($fragments) {
    $fragments['div.rebound-added'] = '<div class="rebound-added">' . rebound_flush_added() . '</div>';
    return $fragments;
});
add_action('wp_footer', function () { echo '<div class="rebound-added"></div>'; }, 5);

// InitiateCheckout on the checkout page; identify when the billing email is entered.
add_action('woocommerce_after_checkout_form', function () {
    $contents = [];
    foreach (WC()->cart->get_cart() as $item) {
        $contents[] = rebound_line($item['data'], $item['quantity']);
    }
    rebound_track('InitiateCheckout', ['content_ids' => array_column($contents, 'id'), 'content_type' => 'product',
        'contents' => $contents, 'num_items' => WC()->cart->get_cart_contents_count(),
        'value' => (float) WC()->cart->get_total('edit'), 'currency' => get_woocommerce_currency()]);
    ?>
<script>
document.addEventListener('change', function (e) {
  if (e.target && e.target.id === 'billing_email' && e.target.value.indexOf('@') > 0) {
    rebound('identify', {email: e.target.value});
  }
});
</script>
    <?php
});

// Purchase on the thank-you page, with the order number as eventID (reloads count once).
add_action('woocommerce_thankyou', function ($order_id) {
    $order = wc_get_order($order_id);
    if (!$order) return;
    $contents = [];
    foreach ($order->get_items() as $item) {
        $product = $item->get_product();
        if ($product) {
            $contents[] = ['id' => (string) $product->get_id(), 'quantity' => (int) $item->get_quantity(),
                'item_price' => (float) $order->get_item_total($item, true)];
        }
    }
    $user = $order->get_customer_id() ? ['user_id' => (string) $order->get_customer_id()] : [];
    echo "<script>rebound('identify'," . wp_json_encode(array_merge(['email' => $order->get_billing_email()], $user)) . ");</script>\n";
    rebound_track('Purchase', ['content_ids' => array_column($contents, 'id'), 'content_type' => 'product',
        'contents' => $contents, 'value' => (float) $order->get_total(), 'currency' => $order->get_currency(),
        'order_id' => (string) $order->get_order_number()], ['eventID' => 'order-' . $order->get_order_number()]);
});
