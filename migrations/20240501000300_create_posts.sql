CREATE TABLE posts (
    id BIGINT PRIMARY KEY,
    forum_id BIGINT NOT NULL REFERENCES forums (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    score BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The table is new and empty, so a plain (non-concurrent) index is fine here.
CREATE INDEX posts_forum_id_idx ON posts (forum_id);
CREATE INDEX posts_author_id_idx ON posts (author_id);
