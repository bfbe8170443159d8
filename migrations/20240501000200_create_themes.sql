-- Themes, consolidated from config files into the database.
CREATE TABLE themes (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    css_vars TEXT NOT NULL DEFAULT '{}',
    is_default BOOLEAN NOT NULL DEFAULT FALSE
);
