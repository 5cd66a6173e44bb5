-- 0030: feedback MESH would not take. A send MESH refuses (a 4xx: the mailbox is not registered, or not for the
-- feedback workflow) is not tried again every night, nor left to hold up the feedback queued behind it: it is
-- marked refused with MESH's reason, for the operator to put right and queue again.

ALTER TABLE audit.mesh_deliveries
    ADD COLUMN refused_at timestamptz,
    ADD COLUMN reason     text;

COMMENT ON COLUMN audit.mesh_deliveries.refused_at IS
    'When MESH refused the send (a 4xx); it is then not tried again. Clear refused_at to queue it again.';
COMMENT ON COLUMN audit.mesh_deliveries.reason IS 'MESH''s answer when it refused the send.';
COMMENT ON COLUMN audit.mesh_deliveries.sent_at IS 'When MESH took it; NULL while it waits or after MESH refused it.';
COMMENT ON COLUMN audit.mesh_deliveries.local_id IS
    'The mex-LocalID it is sent with: the run, eight random hex digits (MESH keeps local ids per mailbox, beyond '
    'this database) and the file.';
