-- Meeting rooms and their bookings, on PostgreSQL: times are timestamptz.

-- For the exclusion constraint below: = on room_id inside a GiST index.
-- A trusted extension since PostgreSQL 13: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE rooms (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL UNIQUE,
    capacity   INTEGER     NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    location   TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- user_id refers to a user of the user-mgmt service, which owns its own
-- database: no foreign key can cross that line, the service checks it over
-- HTTP before inserting.
CREATE TABLE bookings (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id    BIGINT      NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    BIGINT      NOT NULL,
    title      TEXT        NOT NULL DEFAULT '',
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at),
    -- No two bookings of a room overlap, whichever process or machine
    -- writes them: [starts_at, ends_at), so touching ones do not.
    CONSTRAINT bookings_no_overlap
        EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
);

-- The overlap check and the availability filter read bookings of one room
-- by time; the per-user listing reads them by user.
CREATE INDEX bookings_room_time ON bookings (room_id, starts_at, ends_at);
CREATE INDEX bookings_user_time ON bookings (user_id, starts_at);
