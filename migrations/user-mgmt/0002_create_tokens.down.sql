DROP TABLE user_mgmt_tokens;
