-- The g: entries of <application-id>-rebound-aliases-changelog: for an email identity key
-- (e:<digest of the trimmed, lower-cased address>), the digest of the address in Google's form (a Gmail address without dots or
-- +tag). Only addresses whose two digests differ have a row; cluster list sync reads it beside
-- cluster_identities so that Google gets Google's form, every other platform the identity key
-- (decision 0022). A table of its own: these rows are no identities (no person), and the view joins
-- them to the e: rows of cluster_identities.
CREATE TABLE cluster_google_emails (
    store_id          VARCHAR(40)              NOT NULL,
    id_key            VARCHAR(1000)            NOT NULL,
    google_email_hash VARCHAR(64)              NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT cluster_google_emails_pk PRIMARY KEY (store_id, id_key)
);
