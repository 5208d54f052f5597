-- Why a queued email send ended without being sent ('converted', 'holdout', 'not_in_segment', 'left'
-- for a LEFT in the segment's change log, ...): the per-touch people counts of a campaign's stats.
ALTER TABLE email_sends ADD COLUMN exit_reason VARCHAR(30);
