package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
)

var _ auth.WeChatStore = (*DB)(nil)

// BindWeChat binds openid to the account userID, replacing the account's
// earlier openid; auth.ErrConflict if openid is another account's,
// auth.ErrNotFound if there is no account userID.
func (db *DB) BindWeChat(ctx context.Context, userID int64, openid, unionid string, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM wechat_bindings WHERE user_id = $1 AND openid <> $2", userID, openid); err != nil {
			return err
		}
		var bound int64
		err := tx.QueryRowContext(ctx, `INSERT INTO wechat_bindings (openid, user_id, unionid, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT (openid) DO UPDATE SET unionid = excluded.unionid WHERE wechat_bindings.user_id = excluded.user_id
			RETURNING user_id`, openid, userID, unionid, db.t(now)).Scan(&bound)
		switch {
		case noRows(err), db.d.IsUnique(err):
			return served{fmt.Errorf("%w (this WeChat account is bound to another campus account)", auth.ErrConflict)}
		case db.d.IsForeignKey(err):
			return served{fmt.Errorf("%w (user %d)", auth.ErrNotFound, userID)}
		}
		return err
	})
	return db.fail(err, "binding WeChat to user %d", userID)
}

// UserByOpenID returns the account an openid is bound to;
// auth.ErrNotFound.
func (db *DB) UserByOpenID(ctx context.Context, openid string) (auth.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx,
		"SELECT "+userColumns+" FROM wechat_bindings w JOIN users u ON u.id = w.user_id"+sponsorJoin+" WHERE w.openid = $1", openid))
	if noRows(err) {
		return auth.User{}, fmt.Errorf("%w (WeChat binding)", auth.ErrNotFound)
	}
	if err != nil {
		return auth.User{}, db.errorf("WeChat binding: %w", err)
	}
	return u, nil
}
