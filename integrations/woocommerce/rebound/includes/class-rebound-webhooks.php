<?php
defined('ABSPATH') || exit;

/**
 * Registers the store webhooks Rebound needs (order.created, order.updated, product.updated) in
 * WooCommerce → Settings → Advanced → Webhooks, signed with a secret the plugin generates and sets
 * in Rebound (PUT /api/v1/stores/{store}/webhooks/woocommerce). That call needs the store's secret
 * API key: it is typed into the form once, used for that request, and never stored.
 *
 * Registering again (a new server URL, a rotated secret) updates the same webhooks, found by the ids
 * kept in the option `rebound_webhook_ids`: the new secret is set in Rebound first, then on the
 * webhooks, so no delivery is signed with a secret Rebound does not know for longer than that.
 */
final class Rebound_Webhooks {
    const ACTION = 'rebound_register_webhooks';
    const TOPICS = ['order.created', 'order.updated', 'product.updated'];

    public static function register() {
        add_action('admin_post_' . self::ACTION, [self::class, 'handle']);
    }

    public static function delivery_url() {
        return Rebound_Settings::server_url() . '/webhooks/' . rawurlencode(Rebound_Settings::store_id()) . '/woocommerce';
    }

    public static function render_form() {
        echo '<h2>Store webhooks</h2>';
        $ids = (array) get_option('rebound_webhook_ids', []);
        if ($ids) {
            echo '<p>Registered: ' . esc_html(implode(', ', array_keys($ids))) . ' → <code>' . esc_html(self::delivery_url()) . '</code></p>';
        }
        echo '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '">'
            . '<input type="hidden" name="action" value="' . esc_attr(self::ACTION) . '">';
        wp_nonce_field(self::ACTION);
        echo '<p><label for="rebound_secret_key">Secret API key (used once, not stored)</label> '
            . '<input class="regular-text" type="password" id="rebound_secret_key" name="rebound_secret_key" autocomplete="off"></p>';
        submit_button($ids ? 'Register the webhooks again' : 'Register the webhooks', 'secondary');
        echo '</form>';
    }

    /** admin-post.php?action=rebound_register_webhooks */
    public static function handle() {
        if (!current_user_can('manage_woocommerce')) {
            wp_die('You are not allowed to manage WooCommerce webhooks.', 403);
        }
        check_admin_referer(self::ACTION);
        $key = isset($_POST['rebound_secret_key']) ? trim(sanitize_text_field(wp_unslash($_POST['rebound_secret_key']))) : '';
        $result = self::register_webhooks($key, get_current_user_id());
        $query = is_wp_error($result) ? ['rebound_error' => $result->get_error_message()] : ['rebound_registered' => count($result)];
        wp_safe_redirect(add_query_arg($query, admin_url('options-general.php?page=' . Rebound_Settings::PAGE)));
        exit;
    }

    /**
     * Sets a new secret in Rebound, then creates or updates the three webhooks with it.
     *
     * @return array|WP_Error topic => webhook id, or what went wrong
     */
    public static function register_webhooks($secret_key, $user_id) {
        if (Rebound_Settings::server_url() === '' || Rebound_Settings::store_id() === '') {
            return new WP_Error('rebound_settings', 'Set the Rebound server URL and the store id first.');
        }
        if ($secret_key === '') {
            return new WP_Error('rebound_secret_key', 'The secret API key is needed to set the webhook secret in Rebound.');
        }
        if (!class_exists('WC_Webhook')) {
            return new WP_Error('rebound_woocommerce', 'WooCommerce is not active.');
        }
        $secret = wp_generate_password(40, false, false);
        $response = wp_remote_request(Rebound_Settings::server_url() . '/api/v1/stores/'
            . rawurlencode(Rebound_Settings::store_id()) . '/webhooks/woocommerce', [
            'method' => 'PUT',
            'timeout' => 15,
            'headers' => ['Authorization' => 'Bearer ' . $secret_key, 'Content-Type' => 'application/json'],
            'body' => wp_json_encode(['secret' => $secret]),
        ]);
        if (is_wp_error($response)) {
            return new WP_Error('rebound_unreachable', 'Rebound could not be reached: ' . $response->get_error_message());
        }
        $status = (int) wp_remote_retrieve_response_code($response);
        if ($status !== 200) {
            return new WP_Error('rebound_refused', 'Rebound refused the webhook secret (HTTP ' . $status . '): '
                . substr((string) wp_remote_retrieve_body($response), 0, 300));
        }
        $ids = (array) get_option('rebound_webhook_ids', []);
        foreach (self::TOPICS as $topic) {
            $webhook = new WC_Webhook(isset($ids[$topic]) ? (int) $ids[$topic] : 0);
            $webhook->set_name('Rebound: ' . $topic);
            $webhook->set_user_id((int) $user_id);
            $webhook->set_topic($topic);
            $webhook->set_delivery_url(self::delivery_url());
            $webhook->set_secret($secret);
            $webhook->set_api_version('wp_api_v3');
            $webhook->set_status('active');
            $ids[$topic] = $webhook->save();
        }
        update_option('rebound_webhook_ids', $ids, false);
        return $ids;
    }
}
