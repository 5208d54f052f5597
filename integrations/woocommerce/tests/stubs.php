<?php
/**
 * The WordPress and WooCommerce functions and classes the plugin calls, stubbed with the behaviour
 * their documentation gives, and recording what the plugin did (hooks added, options, requests,
 * webhooks saved) for the tests in run.php to assert on.
 */

define('ABSPATH', __DIR__ . '/');

$GLOBALS['rb_hooks'] = [];
$GLOBALS['rb_options'] = [];
$GLOBALS['rb_requests'] = [];
$GLOBALS['rb_response'] = ['response' => ['code' => 200], 'body' => '{"platform":"woocommerce"}'];
$GLOBALS['rb_webhooks'] = [];
$GLOBALS['rb_settings_errors'] = [];
$GLOBALS['rb_products'] = [];
$GLOBALS['rb_orders'] = [];

function add_action($hook, $callback, $priority = 10, $accepted_args = 1) {
    $GLOBALS['rb_hooks'][$hook][$priority][] = [$callback, $accepted_args];
    return true;
}

function add_filter($hook, $callback, $priority = 10, $accepted_args = 1) {
    return add_action($hook, $callback, $priority, $accepted_args);
}

/** Runs the callbacks of a hook by priority, each with as many arguments as it registered for. */
function do_action($hook, ...$args) {
    $hooks = $GLOBALS['rb_hooks'][$hook] ?? [];
    ksort($hooks);
    foreach ($hooks as $callbacks) {
        foreach ($callbacks as [$callback, $accepted]) {
            call_user_func_array($callback, array_slice($args, 0, $accepted));
        }
    }
}

function apply_filters($hook, $value, ...$args) {
    $hooks = $GLOBALS['rb_hooks'][$hook] ?? [];
    ksort($hooks);
    foreach ($hooks as $callbacks) {
        foreach ($callbacks as [$callback, $accepted]) {
            $value = call_user_func_array($callback, array_slice(array_merge([$value], $args), 0, $accepted));
        }
    }
    return $value;
}

function get_option($name, $default = false) {
    return array_key_exists($name, $GLOBALS['rb_options']) ? $GLOBALS['rb_options'][$name] : $default;
}

function update_option($name, $value, $autoload = null) {
    $GLOBALS['rb_options'][$name] = $value;
    return true;
}

function register_setting($group, $name, $args = []) {
    $GLOBALS['rb_registered_settings'][$name] = $args;
}

function add_settings_error($setting, $code, $message, $type = 'error') {
    $GLOBALS['rb_settings_errors'][] = [$setting, $message];
}

function settings_errors() {}
function settings_fields($group) { echo '<input type="hidden" name="option_page" value="' . esc_attr($group) . '">'; }
function submit_button($text = 'Save', $type = 'primary') { echo '<button type="submit" class="button-' . esc_attr($type) . '">' . esc_html($text) . '</button>'; }
function wp_nonce_field($action) { echo '<input type="hidden" name="_wpnonce" value="nonce-' . esc_attr($action) . '">'; }
function add_options_page($page_title, $menu_title, $capability, $slug, $callback) { $GLOBALS['rb_pages'][$slug] = [$capability, $callback]; return 'settings_page_' . $slug; }
function current_user_can($capability) { return $GLOBALS['rb_can'] ?? true; }
function get_current_user_id() { return 1; }
function admin_url($path = '') { return 'https://shop.example/wp-admin/' . $path; }
function add_query_arg($args, $url) { return $url . (strpos($url, '?') === false ? '?' : '&') . http_build_query($args); }
function check_admin_referer($action) { if (($_POST['_wpnonce'] ?? '') !== 'nonce-' . $action) { throw new RuntimeException('bad nonce'); } return 1; }
/** Records the redirect and stops the request as the `exit` after it would (thrown, so the tests go on). */
class Rb_Redirected extends RuntimeException {}
function wp_safe_redirect($location) { $GLOBALS['rb_redirect'] = $location; throw new Rb_Redirected($location); }
function wp_die($message = '', $code = 500) { throw new RuntimeException('wp_die: ' . $message); }

function esc_html($text) { return htmlspecialchars((string) $text, ENT_QUOTES, 'UTF-8'); }
function esc_attr($text) { return htmlspecialchars((string) $text, ENT_QUOTES, 'UTF-8'); }
function esc_url($url) { return str_replace('&', '&#038;', esc_url_raw($url)); }
function esc_url_raw($url) { $url = (string) $url; return preg_match('#^https?://#i', $url) ? preg_replace('/[^A-Za-z0-9\-._~:\/?\#\[\]@!$&\'()*+,;=%]/', '', $url) : ''; }
function sanitize_text_field($s) { return trim(preg_replace('/[\r\n\t ]+/', ' ', strip_tags((string) $s))); }
function wp_unslash($value) { return is_string($value) ? stripslashes($value) : $value; }
function wp_parse_url($url, $component = -1) { return parse_url($url, $component); }
function wp_json_encode($data, $options = 0, $depth = 512) { return json_encode($data, $options, $depth); }
function wp_generate_password($length = 12, $special = true, $extra = false) { return substr(str_repeat(bin2hex(random_bytes(32)), 2), 0, $length); }

function wp_remote_request($url, $args = []) { $GLOBALS['rb_requests'][] = [$url, $args]; return $GLOBALS['rb_response']; }
function wp_remote_retrieve_response_code($response) { return $response['response']['code'] ?? ''; }
function wp_remote_retrieve_body($response) { return $response['body'] ?? ''; }
function is_wp_error($thing) { return $thing instanceof WP_Error; }

class WP_Error {
    private $code;
    private $message;
    public function __construct($code = '', $message = '') { $this->code = $code; $this->message = $message; }
    public function get_error_code() { return $this->code; }
    public function get_error_message() { return $this->message; }
}

function get_woocommerce_currency() { return 'EUR'; }

/** wc_get_price_to_display: the price with tax as the shop shows it (here: the price). */
function wc_get_price_to_display($product) { return $product->get_price(); }
function wc_get_product($id) { return $GLOBALS['rb_products'][(int) $id] ?? false; }
function wc_get_order($id) { return $GLOBALS['rb_orders'][(int) $id] ?? false; }

class WC_Product {
    private $id;
    private $name;
    private $price;
    public function __construct($id, $name, $price) { $this->id = $id; $this->name = $name; $this->price = $price; }
    public function get_id() { return $this->id; }
    public function get_name() { return $this->name; }
    public function get_price() { return $this->price; }
}

class WC_Product_Variation extends WC_Product {
}

class WC_Order_Item_Product {
    private $product;
    private $quantity;
    public function __construct($product, $quantity) { $this->product = $product; $this->quantity = $quantity; }
    public function get_product() { return $this->product; }
    public function get_quantity() { return $this->quantity; }
}

class WC_Order {
    public $meta = [];
    public $id;
    public $number;
    public $items = [];
    public $email = '';
    public $customer_id = 0;
    public $total = '0';
    public function __construct($id = 0) { $this->id = $id; $this->number = (string) $id; }
    public function get_id() { return $this->id; }
    public function get_order_number() { return $this->number; }
    public function get_items() { return $this->items; }
    public function get_billing_email() { return $this->email; }
    public function get_customer_id() { return $this->customer_id; }
    public function get_total() { return $this->total; }
    public function get_currency() { return 'EUR'; }
    public function get_item_total($item, $inc_tax = false) { return $item->get_product()->get_price(); }
    public function update_meta_data($key, $value) { $this->meta[$key] = $value; }
}

class WC_Session_Stub {
    public $data = [];
    public function get($key, $default = null) { return $this->data[$key] ?? $default; }
    public function set($key, $value) { $this->data[$key] = $value; }
}

class WC_Cart_Stub {
    public $items = [];
    public function get_cart() { return $this->items; }
    public function get_cart_contents_count() { return array_sum(array_column($this->items, 'quantity')); }
    public function get_total($context = 'view') { $t = 0; foreach ($this->items as $i) { $t += $i['data']->get_price() * $i['quantity']; } return (string) $t; }
}

class WC_Webhook {
    private static $next = 100;
    public $id;
    public $props = [];
    public function __construct($id = 0) { $this->id = (int) $id; if ($this->id && isset($GLOBALS['rb_webhooks'][$this->id])) { $this->props = $GLOBALS['rb_webhooks'][$this->id]; } }
    public function set_name($v) { $this->props['name'] = $v; }
    public function set_user_id($v) { $this->props['user_id'] = $v; }
    public function set_topic($v) { $this->props['topic'] = $v; }
    public function set_delivery_url($v) { $this->props['delivery_url'] = $v; }
    public function set_secret($v) { $this->props['secret'] = $v; }
    public function set_status($v) { $this->props['status'] = $v; }
    public function set_api_version($v) { $this->props['api_version'] = $v; }
    public function save() { if (!$this->id) { $this->id = self::$next++; } $GLOBALS['rb_webhooks'][$this->id] = $this->props; return $this->id; }
}

class WC_Stub {
    public $session;
    public $cart;
    public function __construct() { $this->session = new WC_Session_Stub(); $this->cart = new WC_Cart_Stub(); }
}

$GLOBALS['rb_wc'] = new WC_Stub();
function WC() { return $GLOBALS['rb_wc']; }
