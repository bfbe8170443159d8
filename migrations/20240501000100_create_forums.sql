-- Forums; their rows come from the forum config (a ConfigSync in the cluster).
CREATE TABLE forums (
    id BIGINT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0
);
