-- Campaigns (docs/campaigns.md): definitions, the offer codes issued, the daily touch counts the caps
-- read and the decision counts the stats read. Portable SQL: runs unchanged on PostgreSQL and on H2
-- in MODE=PostgreSQL.

CREATE TABLE campaigns (
    id          VARCHAR(40)              NOT NULL,
    store_id    VARCHAR(40)              NOT NULL,
    name        VARCHAR(200)             NOT NULL,
    segment_id  VARCHAR(64)              NOT NULL,
    definition  VARCHAR(100000)          NOT NULL,
    status      VARCHAR(10)              NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT campaigns_pk PRIMARY KEY (id),
    CONSTRAINT campaigns_status_ck CHECK (status IN ('active', 'paused')),
    CONSTRAINT campaigns_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE
);

CREATE INDEX campaigns_store_created_ix ON campaigns (store_id, created_at, id);

-- One code per (campaign, person, touch), ever: the primary key makes a second issue impossible,
-- and the code is unique across stores so that redemption needs nothing but the code.
CREATE TABLE campaign_offers (
    campaign_id  VARCHAR(40)              NOT NULL,
    person_id    VARCHAR(1000)            NOT NULL,
    touch        INT                      NOT NULL,
    store_id     VARCHAR(40)              NOT NULL,
    code         VARCHAR(40)              NOT NULL,
    percent_off  INT                      NOT NULL,
    issued_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT campaign_offers_pk PRIMARY KEY (campaign_id, person_id, touch),
    CONSTRAINT campaign_offers_code_uq UNIQUE (code),
    CONSTRAINT campaign_offers_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);

CREATE INDEX campaign_offers_person_ix ON campaign_offers (store_id, person_id);

-- Touches shown per person and UTC day: what the daily cap reads.
CREATE TABLE campaign_exposures (
    campaign_id  VARCHAR(40)   NOT NULL,
    person_id    VARCHAR(1000) NOT NULL,
    shown_on     DATE          NOT NULL,
    shown        INT           NOT NULL,
    CONSTRAINT campaign_exposures_pk PRIMARY KEY (campaign_id, person_id, shown_on),
    CONSTRAINT campaign_exposures_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);

-- Decisions made, per touch (-1: nothing shown) and reason: what the stats read.
CREATE TABLE campaign_decisions (
    campaign_id  VARCHAR(40) NOT NULL,
    touch        INT         NOT NULL,
    reason       VARCHAR(30) NOT NULL,
    decisions    BIGINT      NOT NULL,
    CONSTRAINT campaign_decisions_pk PRIMARY KEY (campaign_id, touch, reason),
    CONSTRAINT campaign_decisions_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);
