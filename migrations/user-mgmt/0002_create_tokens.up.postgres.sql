-- Bearer tokens of the user-mgmt service (roombook token create). Only the
-- SHA-256 of a token is kept, as lower-case hex; its prefix (the first 12
-- characters) is kept in clear so that logs and listings can name it.
CREATE TABLE user_mgmt_tokens (
    name         TEXT        NOT NULL PRIMARY KEY,
    scope        TEXT        NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix       TEXT        NOT NULL,
    hash         TEXT        NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

-- A request names its token; the prefix finds the row, then the hash is
-- compared in constant time.
CREATE INDEX user_mgmt_tokens_prefix ON user_mgmt_tokens (prefix);
