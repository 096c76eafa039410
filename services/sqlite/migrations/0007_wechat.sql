-- 0007: the mini program's sign-in: which WeChat openid (of this
-- campus's mini program) is which account. One openid an account, one
-- account an openid.

CREATE TABLE wechat_bindings (
	openid  TEXT    PRIMARY KEY,
	user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	unionid TEXT    NOT NULL DEFAULT '',
	created INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
