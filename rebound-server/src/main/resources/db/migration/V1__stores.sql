-- Stores (tenants) and their keys. Portable SQL: runs unchanged on PostgreSQL and on
-- H2 in MODE=PostgreSQL (see RECIPES.md).
--
-- The write key is public (it sits in every page with the pixel) and is kept in the clear.
-- The secret key is kept only as its SHA-256 (hex): it is 40 random base62 characters,
-- so a fast unsalted hash is enough, and it lets a lookup use a unique index.

CREATE TABLE stores (
    id               VARCHAR(40)              NOT NULL,
    name             VARCHAR(200)             NOT NULL,
    write_key        VARCHAR(64)              NOT NULL,
    secret_key_hash  CHAR(64)                 NOT NULL,
    consent_required BOOLEAN                  NOT NULL DEFAULT FALSE,
    retention_days   INTEGER                  NOT NULL DEFAULT 180,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT stores_pk PRIMARY KEY (id),
    CONSTRAINT stores_retention_days_range CHECK (retention_days BETWEEN 1 AND 540)
);

CREATE UNIQUE INDEX stores_write_key_uk ON stores (write_key);
CREATE UNIQUE INDEX stores_secret_key_hash_uk ON stores (secret_key_hash);
CREATE INDEX stores_created_at_ix ON stores (created_at, id);
