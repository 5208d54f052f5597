-- Periodic full reconciliation of customer lists (docs/destinations.md, "Reconciliation"). Portable SQL:
-- runs unchanged on PostgreSQL and on H2 in MODE=PostgreSQL.
--
-- One row per pairing that was reconciled: when it last ran (the next run is due one interval later, so
-- a restart does not reconcile again at once; a pairing with no row counts from its created_at), how
-- (replace | diff), and what it changed, for the status page. error holds the platform's message when
-- it gave up.
CREATE TABLE destination_reconciliations (
    store_id        VARCHAR(40)              NOT NULL,
    destination_id  VARCHAR(40)              NOT NULL,
    segment_id      VARCHAR(40)              NOT NULL,
    reconciled_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    method          VARCHAR(10)              NOT NULL,
    members         BIGINT                   NOT NULL,
    added           BIGINT                   NOT NULL,
    removed         BIGINT                   NOT NULL,
    error           VARCHAR(4000),
    CONSTRAINT destination_reconciliations_pk PRIMARY KEY (destination_id, store_id, segment_id),
    CONSTRAINT destination_reconciliations_method_ck CHECK (method IN ('replace', 'diff')),
    CONSTRAINT destination_reconciliations_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);
