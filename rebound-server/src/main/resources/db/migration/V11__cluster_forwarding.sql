-- Cluster mode's event forwarding (docs/destinations.md, "Event forwarding"): a destination reads its
-- store's materialised events after an offset per partition of the events topic.
CREATE INDEX cluster_visitor_events_forward_ix ON cluster_visitor_events (store_id, partition_no, record_offset);
