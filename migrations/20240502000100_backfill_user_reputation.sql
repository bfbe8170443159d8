-- dbmigrate: kind=data
-- Backfill: reputation is the sum of the scores of a user's posts. Idempotent.
UPDATE users
SET reputation = (
    SELECT COALESCE(SUM(posts.score), 0) FROM posts WHERE posts.author_id = users.id
);
