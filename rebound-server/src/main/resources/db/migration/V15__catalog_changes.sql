-- When each store's catalog last changed (docs/catalog.md, "Feeds"): bumped in the same transaction
-- as every product write and delete, so a feed's ETag and Last-Modified change exactly when its
-- content can, deletions included (the newest updated_at alone would miss a delete). Portable SQL.

CREATE TABLE catalog_changes (
    store_id    VARCHAR(40)              NOT NULL,
    version     BIGINT                   NOT NULL,
    changed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT catalog_changes_pk PRIMARY KEY (store_id),
    CONSTRAINT catalog_changes_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- Catalogs written before this table existed start at version 1, changed when their newest product was.
INSERT INTO catalog_changes (store_id, version, changed_at)
    SELECT store_id, 1, MAX(updated_at) FROM catalog_products GROUP BY store_id;
