-- Audience segments (docs/segments.md, docs/audiences.md). Portable SQL: runs unchanged on
-- PostgreSQL and on H2 in MODE=PostgreSQL.
--
-- The metadata database is the source of truth for definitions; the embedded runtime restores
-- them at start. effective_from is the instant this version of the definition took effect in
-- the engine: memberships under it never begin earlier, and a backfill interrupted by a restart
-- is resumed with the same instant (status stays 'building' until the backfill has finished).

CREATE TABLE segments (
    id              VARCHAR(40)              NOT NULL,
    store_id        VARCHAR(40)              NOT NULL,
    name            VARCHAR(200)             NOT NULL,
    definition      VARCHAR(100000)          NOT NULL,
    template        VARCHAR(40),
    status          VARCHAR(10)              NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    effective_from  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT segments_pk PRIMARY KEY (store_id, id),
    CONSTRAINT segments_status_ck CHECK (status IN ('building', 'ready')),
    CONSTRAINT segments_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

CREATE INDEX segments_store_created_ix ON segments (store_id, created_at, id);
