-- dbmigrate: kind=data
DELETE FROM themes WHERE id = 1;
