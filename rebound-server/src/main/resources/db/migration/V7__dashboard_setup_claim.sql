-- The first dashboard account is claimed once, in the database, so that two set-up forms sent at once
-- cannot both become "the first" even on two nodes of a cluster (each node prints its own setup code).
-- Portable SQL: PostgreSQL and H2 in MODE=PostgreSQL.

CREATE TABLE dashboard_setup_claim (
    id         INTEGER                  NOT NULL,
    email      VARCHAR(320)             NOT NULL,
    claimed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT dashboard_setup_claim_pk PRIMARY KEY (id),
    CONSTRAINT dashboard_setup_claim_one_ck CHECK (id = 1)
);
