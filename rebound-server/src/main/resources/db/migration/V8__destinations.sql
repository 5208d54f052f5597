-- Connected destinations (docs/destinations.md): one ad-platform account per row, per store.
-- Portable SQL: runs unchanged on PostgreSQL and on H2 in MODE=PostgreSQL.
--
-- settings holds the non-secret settings as JSON (ids, options). secrets holds every credential
-- (tokens, keys) as one AES-GCM ciphertext, "v1:{key id}:{base64 nonce+ciphertext+tag}", bound to
-- the store and destination ids; secret_hints the last four characters of each, for display.
-- The API never returns secrets, and nothing logs them.

CREATE TABLE destinations (
    id              VARCHAR(40)              NOT NULL,
    store_id        VARCHAR(40)              NOT NULL,
    platform        VARCHAR(20)              NOT NULL,
    name            VARCHAR(200)             NOT NULL,
    mode            VARCHAR(10)              NOT NULL,
    api_base_url    VARCHAR(2000),
    settings        VARCHAR(20000)           NOT NULL,
    secrets         VARCHAR(40000)           NOT NULL,
    secret_hints    VARCHAR(2000)            NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT destinations_pk PRIMARY KEY (id),
    CONSTRAINT destinations_platform_ck CHECK (platform IN ('meta', 'google', 'tiktok', 'pinterest')),
    CONSTRAINT destinations_mode_ck CHECK (mode IN ('live', 'dry_run')),
    CONSTRAINT destinations_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

CREATE INDEX destinations_store_ix ON destinations (store_id);

-- Server-side event forwarding: per destination, the cursor up to which the store's events were
-- taken by the platform (or dead-lettered). A destination starts at the end when connected. The
-- cursor is the event source's text: a byte offset of the embedded event log; in cluster mode an
-- offset per partition of the events topic ("0:123,1:456").
CREATE TABLE destination_event_cursors (
    destination_id  VARCHAR(40)              NOT NULL,
    store_id        VARCHAR(40)              NOT NULL,
    position        VARCHAR(20000)           NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT destination_event_cursors_pk PRIMARY KEY (destination_id),
    CONSTRAINT destination_event_cursors_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- Dead letters of forwarding: operation 'event', the event ids in person_ids, segment_id empty.
ALTER TABLE destination_dead_letters DROP CONSTRAINT destination_dead_letters_op_ck;
ALTER TABLE destination_dead_letters ADD CONSTRAINT destination_dead_letters_op_ck
    CHECK (operation IN ('add', 'remove', 'event'));
