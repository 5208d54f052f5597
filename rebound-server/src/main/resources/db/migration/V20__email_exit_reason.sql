-- Why a queued email send ended without being sent ('converted', 'holdout', 'not_in_segment', 'left'
-- for a LEFT in the segment's change log, ...): the per-touch people counts of a campaign's stats.
ALTER TABLE email_sends ADD COLUMN exit_reason VARCHAR(30);

-- The stats count each campaign's rows per step and state.
CREATE INDEX email_sends_campaign_ix ON email_sends (campaign_id, step, state);
