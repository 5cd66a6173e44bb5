-- 0029: every MESH message the night has seen under its extract workflow, with what became of it. A message seen
-- again (the night stopped between recording it and acknowledging it) is recognised by its id and only
-- acknowledged: nothing is collected twice.

CREATE TABLE audit.mesh_messages (
    message_id      text PRIMARY KEY,
    sender          text,
    local_id        text,
    workflow        text,
    file_name       text,
    bytes           bigint,
    sha256          text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    run_id          bigint,
    outcome         text NOT NULL CHECK (outcome IN ('collected', 'duplicate', 'refused')),
    reason          text,
    answered_at     timestamptz,
    acknowledged_at timestamptz
);

COMMENT ON TABLE audit.mesh_messages IS
    'MESH messages collected by the night: collected (moved into the inbox under file_name), duplicate (the same '
    'bytes were already waiting under that name) or refused (with the reason sent back to the sender under the '
    'feedback workflow, answered_at). acknowledged_at is when MESH was told, which deletes the message there.';

GRANT SELECT, INSERT, UPDATE ON audit.mesh_messages TO rehab_loader;

COMMENT ON COLUMN audit.mesh_messages.message_id IS 'The message id MESH gave the message.';
COMMENT ON COLUMN audit.mesh_messages.sender IS 'The sending mailbox (mex-From).';
COMMENT ON COLUMN audit.mesh_messages.local_id IS 'The sender''s own id for the message (mex-LocalID), if it gave one.';
COMMENT ON COLUMN audit.mesh_messages.workflow IS 'The workflow id the message was sent under (mex-WorkflowID).';
COMMENT ON COLUMN audit.mesh_messages.file_name IS 'The file name the sender gave (mex-FileName), as sent.';
COMMENT ON COLUMN audit.mesh_messages.bytes IS 'The file''s size after any decompression; NULL when it was not downloaded whole.';
COMMENT ON COLUMN audit.mesh_messages.sha256 IS 'SHA-256 of the file as collected, lower-case hex.';
COMMENT ON COLUMN audit.mesh_messages.received_at IS 'When the night recorded the message.';
COMMENT ON COLUMN audit.mesh_messages.run_id IS 'The run (audit.runs) that collected or refused it.';
COMMENT ON COLUMN audit.mesh_messages.outcome IS 'collected, duplicate or refused.';
COMMENT ON COLUMN audit.mesh_messages.reason IS 'Why a refused message was refused, as sent back to the sender.';
COMMENT ON COLUMN audit.mesh_messages.answered_at IS 'When the refusal was sent back under the feedback workflow.';
COMMENT ON COLUMN audit.mesh_messages.acknowledged_at IS 'When MESH was told the message was taken (it then deletes it).';

-- What the night sends back: each processed file's reports, zipped, to the mailbox of the trust that sent it.
-- Recorded before the send (queued) and after (sent): a night that stopped in between, or found MESH down, leaves
-- the row queued, and the next night sends it once, looking it up by its mex-LocalID first.
CREATE TABLE audit.mesh_deliveries (
    local_id    text PRIMARY KEY,
    file_name   text NOT NULL,
    recipient   text NOT NULL,
    archive     text NOT NULL,
    run_id      bigint,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    message_id  text,
    sent_at     timestamptz
);

COMMENT ON TABLE audit.mesh_deliveries IS
    'Feedback sent through MESH: a processed file''s reports, zipped (archive), to the mailbox that sent it or the '
    'trust''s mailbox in the pipeline''s senders. sent_at is NULL while it waits to be sent.';
COMMENT ON COLUMN audit.mesh_deliveries.local_id IS 'The mex-LocalID it is sent with: the run and the file.';
COMMENT ON COLUMN audit.mesh_deliveries.file_name IS 'The submission file whose reports it carries.';
COMMENT ON COLUMN audit.mesh_deliveries.recipient IS 'The MESH mailbox it goes to.';
COMMENT ON COLUMN audit.mesh_deliveries.archive IS 'The zip file on disk, kept until it is sent.';
COMMENT ON COLUMN audit.mesh_deliveries.run_id IS 'The run (audit.runs) that made it.';
COMMENT ON COLUMN audit.mesh_deliveries.queued_at IS 'When it was made and queued.';
COMMENT ON COLUMN audit.mesh_deliveries.message_id IS 'The message id MESH gave it.';
COMMENT ON COLUMN audit.mesh_deliveries.sent_at IS 'When MESH took it; NULL while it waits.';

GRANT SELECT, INSERT, UPDATE ON audit.mesh_deliveries TO rehab_loader;
