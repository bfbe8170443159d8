-- dbmigrate: allow=ban-drop-table
DROP TABLE forums;
