-- What the portal's pages read beyond its own schema.
--
-- The published figures, as the public reads them: every table and view of the published schema, including the
-- views sql/analysis/ creates after the migrations (0031's grant covered only the tables there then).
GRANT rehab_public TO rehab_portal;
-- How each file arrived (portal, MESH or the folder): which collected MESH messages had which bytes, and nothing
-- else of audit.mesh_messages (not the sender's mailbox or ids).
GRANT SELECT (sha256, outcome) ON audit.mesh_messages TO rehab_portal;
