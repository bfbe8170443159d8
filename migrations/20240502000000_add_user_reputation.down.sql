-- dbmigrate: allow=ban-drop-column
ALTER TABLE users DROP COLUMN reputation;
