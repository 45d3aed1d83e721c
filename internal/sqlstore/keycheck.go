package sqlstore

import (
	"context"
	"fmt"
)

// KeyChecker checks that a sealed value's data key can be unwrapped
// (*keys.Keyring).
type KeyChecker interface {
	CheckString(sealed string) error
}

// CheckKeyring refuses a keyring that cannot open the data already stored:
// for every sealed column, a sample of its values must unwrap. A replica started with another key file, or a
// key file missing a key that older data needs, then fails at start, naming
// the column and the key. Errors: the first failure, wrapped.
func (db *DB) CheckKeyring(ctx context.Context, kc KeyChecker) error {
	for _, tc := range sealedColumns {
		table, col := tc[0], tc[1]
		// A few values a column (no scan of the table): another keyring
		// opens none of them. Keys only ever accumulate in a key file and
		// a rotation re-wraps everything, so a sample is enough.
		rows, err := db.QueryContext(ctx, `SELECT `+col+` FROM `+table+` WHERE `+col+` IS NOT NULL AND `+col+` <> '' LIMIT 5`)
		if err != nil {
			return fmt.Errorf("keyring check %s.%s: %w", table, col, err)
		}
		var vals []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			vals = append(vals, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, v := range vals {
			if err := kc.CheckString(v); err != nil {
				return fmt.Errorf("%s.%s: %w", table, col, err)
			}
		}
	}
	return nil
}
