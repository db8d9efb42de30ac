DROP TABLE rooms_tokens;
