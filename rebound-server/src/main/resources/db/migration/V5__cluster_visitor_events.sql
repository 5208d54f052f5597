-- Cluster mode (docs/cluster.md, docs/decisions/0008): the accepted events, materialised by every
-- node's events sink from <prefix>.events so that any node answers visitor timelines and rebuilds
-- the dashboard's funnel. One row per event id (a client's retry is stored once). Written only by
-- the sink, with its offsets in cluster_offsets; purged by the store's retention and on erasure.
-- Portable SQL; unused on embedded H2.

CREATE TABLE cluster_visitor_events (
    store_id      VARCHAR(40)              NOT NULL,
    event_id      VARCHAR(200)             NOT NULL,
    visitor_id    VARCHAR(200)             NOT NULL,
    user_id       VARCHAR(200),
    event_time    TIMESTAMP WITH TIME ZONE NOT NULL,
    partition_no  INTEGER                  NOT NULL,
    record_offset BIGINT                   NOT NULL,
    event         BYTEA                    NOT NULL,
    CONSTRAINT cluster_visitor_events_pk PRIMARY KEY (store_id, event_id)
);
CREATE INDEX cluster_visitor_events_visitor_ix ON cluster_visitor_events (store_id, visitor_id, event_time);
CREATE INDEX cluster_visitor_events_user_ix ON cluster_visitor_events (store_id, user_id, event_time);
CREATE INDEX cluster_visitor_events_time_ix ON cluster_visitor_events (event_time);

-- Erased visitor ids: the sink does not store an event of one that was accepted before the erasure.
-- Kept for the events topic's retention (after it no such event can arrive), then purged.
CREATE TABLE cluster_erasures (
    store_id   VARCHAR(40)              NOT NULL,
    visitor_id VARCHAR(200)             NOT NULL,
    erased_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT cluster_erasures_pk PRIMARY KEY (store_id, visitor_id)
);
