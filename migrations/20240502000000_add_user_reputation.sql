-- One reputation column per user; filled by the next (data) migration.
ALTER TABLE users ADD COLUMN reputation BIGINT NOT NULL DEFAULT 0;
