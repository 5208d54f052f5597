<?php
defined('ABSPATH') || exit;

/**
 * The plugin's settings (Settings → Rebound): the Rebound server's URL, the store id and the
 * store's public write key. The secret API key is never stored: it is asked for once, when the
 * webhooks are registered (see Rebound_Webhooks).
 */
final class Rebound_Settings {
    const GROUP = 'rebound';
    const PAGE = 'rebound';

    public static function register() {
        add_action('admin_menu', [self::class, 'menu']);
        add_action('admin_init', [self::class, 'settings']);
    }

    public static function menu() {
        add_options_page('Rebound', 'Rebound', 'manage_options', self::PAGE, [self::class, 'render']);
    }

    public static function settings() {
        register_setting(self::GROUP, 'rebound_server_url', ['type' => 'string', 'sanitize_callback' => [self::class, 'sanitize_url'], 'default' => '']);
        register_setting(self::GROUP, 'rebound_store_id', ['type' => 'string', 'sanitize_callback' => [self::class, 'sanitize_id'], 'default' => '']);
        register_setting(self::GROUP, 'rebound_write_key', ['type' => 'string', 'sanitize_callback' => [self::class, 'sanitize_id'], 'default' => '']);
    }

    /** An absolute http(s) URL without a trailing slash, or '' (and a settings error). */
    public static function sanitize_url($value) {
        $url = rtrim(trim((string) $value), '/');
        if ($url === '') {
            return '';
        }
        $scheme = strtolower((string) wp_parse_url($url, PHP_URL_SCHEME));
        if (!in_array($scheme, ['http', 'https'], true) || !wp_parse_url($url, PHP_URL_HOST)) {
            add_settings_error('rebound_server_url', 'rebound_server_url', 'The Rebound server URL must be an absolute http(s) URL, for example https://rebound.example.com');
            return (string) get_option('rebound_server_url', '');
        }
        return esc_url_raw($url);
    }

    /** A store id or write key: letters, digits, '_' and '-', at most 100 characters. */
    public static function sanitize_id($value) {
        $id = trim(sanitize_text_field((string) $value));
        if ($id !== '' && !preg_match('/^[A-Za-z0-9_-]{1,100}$/', $id)) {
            add_settings_error('rebound', 'rebound_id', 'Store ids and keys hold only letters, digits, "_" and "-".');
            return '';
        }
        return $id;
    }

    public static function server_url() {
        return (string) get_option('rebound_server_url', '');
    }

    public static function store_id() {
        return (string) get_option('rebound_store_id', '');
    }

    public static function write_key() {
        return (string) get_option('rebound_write_key', '');
    }

    /** The pixel runs only once the server URL and write key are set. */
    public static function configured() {
        return self::server_url() !== '' && self::write_key() !== '';
    }

    public static function render() {
        if (!current_user_can('manage_options')) {
            return;
        }
        echo '<div class="wrap"><h1>Rebound</h1>';
        settings_errors();
        echo '<form method="post" action="' . esc_url(admin_url('options.php')) . '">';
        settings_fields(self::GROUP);
        echo '<table class="form-table" role="presentation">';
        self::field('rebound_server_url', 'Rebound server URL', self::server_url(), 'url', 'https://rebound.example.com');
        self::field('rebound_store_id', 'Store id', self::store_id(), 'text', 'st_…');
        self::field('rebound_write_key', 'Write key (public)', self::write_key(), 'text', 'wk_…');
        echo '</table>';
        submit_button('Save');
        echo '</form>';
        Rebound_Webhooks::render_form();
        echo '</div>';
    }

    private static function field($name, $label, $value, $type, $placeholder) {
        echo '<tr><th scope="row"><label for="' . esc_attr($name) . '">' . esc_html($label) . '</label></th><td>'
            . '<input class="regular-text" type="' . esc_attr($type) . '" id="' . esc_attr($name) . '" name="'
            . esc_attr($name) . '" value="' . esc_attr($value) . '" placeholder="' . esc_attr($placeholder) . '">'
            . '</td></tr>';
    }
}
