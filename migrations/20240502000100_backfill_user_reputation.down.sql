-- dbmigrate: kind=data
UPDATE users SET reputation = 0;
