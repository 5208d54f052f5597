-- Email flows (docs/campaigns.md, "Email"): the addresses stores gave with consent, the suppression
-- list, each flow's cursor in its segment's change log and the durable send queue. Portable SQL: runs
-- unchanged on PostgreSQL and on H2 in MODE=PostgreSQL.

-- The only raw addresses Rebound keeps: those a store put here for a person who consented to email
-- marketing. Keyed by the SHA-256 of the normalised address, the same hash identify() stores, so a
-- person's email hashes find their address.
CREATE TABLE email_subscribers (
    store_id      VARCHAR(40)              NOT NULL,
    email_hash    VARCHAR(64)              NOT NULL,
    email         VARCHAR(254)             NOT NULL,
    consented_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT email_subscribers_pk PRIMARY KEY (store_id, email_hash),
    CONSTRAINT email_subscribers_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- Unsubscribed addresses, by hash only: the raw address is deleted when it lands here.
CREATE TABLE email_suppressions (
    store_id       VARCHAR(40)              NOT NULL,
    email_hash     VARCHAR(64)              NOT NULL,
    reason         VARCHAR(30)              NOT NULL,
    suppressed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT email_suppressions_pk PRIMARY KEY (store_id, email_hash),
    CONSTRAINT email_suppressions_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

-- Where each email flow (a campaign with the email channel) is in its segment's change log (the
-- segment it was following: a campaign moved to another segment starts over in the new log).
CREATE TABLE email_cursors (
    campaign_id  VARCHAR(40) NOT NULL,
    segment_id   VARCHAR(64) NOT NULL,
    after_seq    BIGINT      NOT NULL,
    CONSTRAINT email_cursors_pk PRIMARY KEY (campaign_id),
    CONSTRAINT email_cursors_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);

-- The send queue: one row per (flow, person, step), ever. queued → sending (claimed) → sent, or
-- exited / suppressed / no_address when the re-check before the send says no.
CREATE TABLE email_sends (
    idempotency_key  VARCHAR(1100)            NOT NULL,
    campaign_id      VARCHAR(40)              NOT NULL,
    store_id         VARCHAR(40)              NOT NULL,
    person_id        VARCHAR(1000)            NOT NULL,
    step             INT                      NOT NULL,
    state            VARCHAR(12)              NOT NULL,
    due_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_at       TIMESTAMP WITH TIME ZONE,
    sent_at          TIMESTAMP WITH TIME ZONE,
    attempts         INT                      NOT NULL,
    CONSTRAINT email_sends_pk PRIMARY KEY (idempotency_key),
    CONSTRAINT email_sends_state_ck CHECK (state IN ('queued', 'sending', 'sent', 'exited', 'suppressed',
                                                     'no_address', 'failed')),
    CONSTRAINT email_sends_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);

CREATE INDEX email_sends_due_ix ON email_sends (state, due_at);
CREATE INDEX email_sends_person_ix ON email_sends (store_id, person_id, sent_at);

-- The key unsubscribe tokens are signed with, made once by the first node that needs it.
CREATE TABLE email_keys (
    name   VARCHAR(40)  NOT NULL,
    secret VARCHAR(200) NOT NULL,
    CONSTRAINT email_keys_pk PRIMARY KEY (name)
);
