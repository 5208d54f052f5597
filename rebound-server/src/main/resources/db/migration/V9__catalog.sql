-- The product catalog per store (docs/catalog.md) and the tokens of its feed URLs. Portable SQL:
-- runs unchanged on PostgreSQL and on H2 in MODE=PostgreSQL.
--
-- Values are valid when written (io.rebound.core.catalog.CatalogProduct checks every field);
-- the column widths leave room for the longest valid value in UTF-16 units. Money has at most
-- three decimals (the most any ISO 4217 currency has) and is below 10^9.

CREATE TABLE catalog_products (
    store_id                VARCHAR(40)              NOT NULL,
    product_id              VARCHAR(50)              NOT NULL,
    title                   VARCHAR(300)             NOT NULL,
    description             VARCHAR(10000)           NOT NULL,
    link                    VARCHAR(2000)            NOT NULL,
    image_link              VARCHAR(2000)            NOT NULL,
    additional_image_links  VARCHAR(20100)           NOT NULL,
    price                   NUMERIC(13, 3)           NOT NULL,
    sale_price              NUMERIC(13, 3),
    currency                CHAR(3)                  NOT NULL,
    availability            VARCHAR(20)              NOT NULL,
    item_condition          VARCHAR(20)              NOT NULL,
    brand                   VARCHAR(140),
    google_product_category VARCHAR(1500),
    product_type            VARCHAR(1500),
    gtin                    VARCHAR(14),
    mpn                     VARCHAR(140),
    item_group_id           VARCHAR(50),
    cost                    NUMERIC(13, 3),
    inventory               BIGINT,
    created_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT catalog_products_pk PRIMARY KEY (store_id, product_id),
    CONSTRAINT catalog_products_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- The secret part of a store's feed URLs (/feeds/{store}/{platform}?token=...). Kept in the clear,
-- like the write key: it is shown to the store owner whenever asked, and rotating it changes the URLs.
CREATE TABLE catalog_feeds (
    store_id    VARCHAR(40)              NOT NULL,
    token       VARCHAR(64)              NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT catalog_feeds_pk PRIMARY KEY (store_id),
    CONSTRAINT catalog_feeds_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);
