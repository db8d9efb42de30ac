-- Users of the booking system. AUTOINCREMENT so that the id of a deleted user
-- is never handed to a new one: clients may still hold the old id.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT    NOT NULL UNIQUE,
    firstname  TEXT    NOT NULL,
    lastname   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
