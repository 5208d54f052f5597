-- When the person joined, on each queued send (EmailFlows' entry rule, decision 0027): a person who
-- leaves the flow's segment before its first touch came due never entered the flow, and the rows their
-- join queued are withdrawn instead of ending "exited". The rule needs the join's time when the leave
-- is read in a later pass than the join. Rows queued before this column have none and keep the old
-- outcome (exited). Portable SQL: PostgreSQL and H2 in MODE=PostgreSQL.

ALTER TABLE email_sends ADD COLUMN joined_at TIMESTAMP WITH TIME ZONE;

-- A leave finds the person's sends in the flow by campaign and person (the withdrawal and the exits),
-- as do the campaign's people counts by campaign: without this they scanned every queued send.
CREATE INDEX email_sends_campaign_person_ix ON email_sends (campaign_id, person_id);
