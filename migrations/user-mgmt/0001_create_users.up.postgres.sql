-- Users of the booking system, on PostgreSQL. An identity column never hands
-- the id of a deleted user to a new one: clients may still hold the old id.
CREATE TABLE users (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username   TEXT        NOT NULL UNIQUE,
    firstname  TEXT        NOT NULL,
    lastname   TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
