<?php
/**
 * Plugin Name: Rebound
 * Description: Rebound's first-party pixel and store webhooks for WooCommerce: page views, product views, add to cart (also AJAX), checkout and purchase events; the visitor's id on the order; the order and product webhooks registered for you.
 * Version: 1.0.0
 * Requires PHP: 7.4
 * WC requires at least: 6.0
 * License: Apache-2.0
 * Text Domain: rebound
 */

defined('ABSPATH') || exit;

define('REBOUND_PLUGIN_VERSION', '1.0.0');

require_once __DIR__ . '/includes/class-rebound-settings.php';
require_once __DIR__ . '/includes/class-rebound-events.php';
require_once __DIR__ . '/includes/class-rebound-webhooks.php';

Rebound_Settings::register();
Rebound_Events::register();
Rebound_Webhooks::register();
