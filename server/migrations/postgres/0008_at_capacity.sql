-- `full` is a reserved word here: the column gets a name both backends take bare.
ALTER TABLE device_users RENAME COLUMN "full" TO at_capacity;
