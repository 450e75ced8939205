-- Temporal keeps its own role and databases beside Billow's (auto-setup creates the schemas).
CREATE ROLE temporal WITH LOGIN PASSWORD 'temporal' CREATEDB;
