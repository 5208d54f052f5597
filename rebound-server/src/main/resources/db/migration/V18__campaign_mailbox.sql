-- The demo mailbox, cart recovery links and code redemption (docs/campaigns.md). Portable SQL: runs unchanged on
-- PostgreSQL and on H2 in MODE=PostgreSQL.

-- Emails the capture transport recorded instead of sending (demo mode, REBOUND_EMAIL_CAPTURE): the
-- message exactly as SMTP would have carried it, keyed by its Message-ID, which is made from the
-- send's idempotency key (email_sends), so a send finds its captured message.
CREATE TABLE email_mailbox (
    message_id   VARCHAR(200)             NOT NULL,
    recipient    VARCHAR(254)             NOT NULL,
    subject      VARCHAR(1000)            NOT NULL,
    text_body    VARCHAR(200000)          NOT NULL,
    html_body    VARCHAR(400000)          NOT NULL,
    raw          VARCHAR(1000000)         NOT NULL,
    captured_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT email_mailbox_pk PRIMARY KEY (message_id)
);

CREATE INDEX email_mailbox_captured_ix ON email_mailbox (captured_at);

-- Keys of the campaign features that sign links (cart recovery), made once by the first node that
-- needs one.
CREATE TABLE campaign_keys (
    name   VARCHAR(40)  NOT NULL,
    secret VARCHAR(200) NOT NULL,
    CONSTRAINT campaign_keys_pk PRIMARY KEY (name)
);

-- Redemption of Rebound-issued codes (stores on neither Shopify nor WooCommerce check codes here):
-- single use, so a code is redeemed once, with the order it paid for.
ALTER TABLE campaign_offers ADD COLUMN redeemed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE campaign_offers ADD COLUMN redeemed_order VARCHAR(200);

-- Where a store's codes are also created (docs/campaigns.md, "Codes in Shopify and WooCommerce"): the
-- platform, the shop, live or dry-run, and the API credentials encrypted with the credentials keyring.
CREATE TABLE campaign_code_stores (
    store_id     VARCHAR(40)              NOT NULL,
    platform     VARCHAR(20)              NOT NULL,
    shop_url     VARCHAR(500)             NOT NULL,
    api_version  VARCHAR(20),
    mode         VARCHAR(10)              NOT NULL,
    credentials  VARCHAR(4000)            NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT campaign_code_stores_pk PRIMARY KEY (store_id),
    CONSTRAINT campaign_code_stores_platform_ck CHECK (platform IN ('shopify', 'woocommerce')),
    CONSTRAINT campaign_code_stores_mode_ck CHECK (mode IN ('live', 'dry_run')),
    CONSTRAINT campaign_code_stores_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- Each code's creation in the store: null until tried; created, dry_run or failed (retried).
ALTER TABLE campaign_offers ADD COLUMN store_state VARCHAR(10);
ALTER TABLE campaign_offers ADD COLUMN store_detail VARCHAR(4000);
ALTER TABLE campaign_offers ADD COLUMN store_attempts INT;
