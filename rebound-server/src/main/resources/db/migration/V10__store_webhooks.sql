-- Store webhooks (docs/webhooks.md): per store and platform, the secret that signs the platform's
-- webhook deliveries (Shopify's app client secret, WooCommerce's webhook secret). Portable SQL:
-- runs unchanged on PostgreSQL and on H2 in MODE=PostgreSQL.
--
-- secret is an AES-GCM ciphertext from the server's credentials keyring (the one destinations use),
-- "v1:{key id}:{base64 nonce+ciphertext+tag}", bound to the store and platform; secret_hint its last
-- four characters, for display. The API never returns the secret, and nothing logs it.

CREATE TABLE store_webhook_secrets (
    store_id        VARCHAR(40)              NOT NULL,
    platform        VARCHAR(20)              NOT NULL,
    secret          VARCHAR(4000)            NOT NULL,
    secret_hint     VARCHAR(8)               NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT store_webhook_secrets_pk PRIMARY KEY (store_id, platform),
    CONSTRAINT store_webhook_secrets_platform_ck CHECK (platform IN ('shopify', 'woocommerce')),
    CONSTRAINT store_webhook_secrets_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);
