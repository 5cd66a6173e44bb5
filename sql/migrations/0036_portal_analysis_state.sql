-- The trust portal keeps each trust's published figures in memory until the analysis is refreshed again: it reads
-- when that last happened, and nothing else of audit.analysis_state.
GRANT SELECT (refreshed_at) ON audit.analysis_state TO rehab_portal;
