-- Meeting rooms and their bookings. Times are RFC 3339 UTC text of fixed
-- width (2026-03-01T09:00:00Z), so comparing the text compares the times.
CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    location   TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

-- user_id refers to a user of the user-mgmt service, which owns its own
-- database: no foreign key can cross that line, the service checks it over
-- HTTP before inserting.
CREATE TABLE bookings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    CHECK (ends_at > starts_at)
);

-- The overlap check and the availability filter read bookings of one room
-- by time; the per-user listing reads them by user.
CREATE INDEX bookings_room_time ON bookings (room_id, starts_at, ends_at);
CREATE INDEX bookings_user_time ON bookings (user_id, starts_at);
