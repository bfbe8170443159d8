-- dbmigrate: kind=data
-- The theme every user starts with.
INSERT INTO themes (id, name, css_vars, is_default)
VALUES (1, 'classic', '{"accent": "#3366cc", "background": "#ffffff"}', TRUE);
