-- 0007: the mini program's sign-in: which WeChat openid (of this
-- campus's mini program) is which account. One openid an account, one
-- account an openid.

CREATE TABLE wechat_bindings (
	openid  text        PRIMARY KEY,
	user_id bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	unionid text        NOT NULL DEFAULT '',
	created timestamptz NOT NULL
);
