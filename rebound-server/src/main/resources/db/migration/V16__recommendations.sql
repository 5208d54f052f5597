-- Product recommendations (docs/catalog.md, "Product sets and recommendations"): the complements a
-- store pairs with a product, and the store's merchant rules. Portable SQL: runs unchanged on
-- PostgreSQL and on H2 in MODE=PostgreSQL. Co-purchase statistics are not stored: they are counted in
-- memory from the event feed (docs/decisions/0015-co-purchase-statistics.md).

-- A product's complements in the store's order (position 0 first), at most 20 per product. The
-- complement need not be in the catalog yet: recommendations read the catalog and skip what is not.
CREATE TABLE product_complements (
    store_id       VARCHAR(40)              NOT NULL,
    product_id     VARCHAR(50)              NOT NULL,
    position       INT                      NOT NULL,
    complement_id  VARCHAR(50)              NOT NULL,
    CONSTRAINT product_complements_pk PRIMARY KEY (store_id, product_id, position),
    CONSTRAINT product_complements_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- One row per store that set its rules; a store without a row gets in-stock-only and no margin floor.
CREATE TABLE recommendation_rules (
    store_id            VARCHAR(40)              NOT NULL,
    in_stock_only       BOOLEAN                  NOT NULL,
    min_margin_percent  NUMERIC(5, 2),
    updated_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT recommendation_rules_pk PRIMARY KEY (store_id),
    CONSTRAINT recommendation_rules_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);
