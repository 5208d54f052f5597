-- Email flows beyond the abandoned cart (docs/campaigns.md, "Email flows"): an offer touch whose
-- rule gives no offer (serial abandoner, margin guard, expired, another offer held) ends 'no_offer',
-- as its email announces a discount. Portable SQL: PostgreSQL and H2 in MODE=PostgreSQL.
ALTER TABLE email_sends DROP CONSTRAINT email_sends_state_ck;
ALTER TABLE email_sends ADD CONSTRAINT email_sends_state_ck CHECK (state IN ('queued', 'sending', 'sent', 'exited',
    'suppressed', 'no_address', 'no_offer', 'failed'));

-- Privacy erasure deletes a person's exposures (the daily caps) by person across the store's campaigns.
CREATE INDEX campaign_exposures_person_ix ON campaign_exposures (person_id);
