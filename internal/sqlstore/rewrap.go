package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// sealedColumns lists every column holding SealString values.
var sealedColumns = [][2]string{
	{"users", "email_enc"}, {"users", "phone_enc"},
	{"uploads", "meta_enc"},
	{"cases", "applicant_enc"},
	{"case_checks", "detail_enc"},
	{"case_events", "note"},
	{"webhook_endpoints", "secret_enc"},
	{"webhook_deliveries", "payload_enc"},
	{"document_readings", "reading_enc"},
}

// Rewrapper re-wraps sealed values under the current master key.
type Rewrapper interface {
	RewrapString(sealed string) (string, bool, error)
}

// RewrapColumns re-wraps every sealed column value that is not under the
// current master key (for `veriwallet keys rotate`), table by table, each
// in one transaction. The data itself is not re-encrypted: only its data
// key is wrapped anew. It returns how many values changed.
func (db *DB) RewrapColumns(ctx context.Context, kr Rewrapper) (int, error) {
	total := 0
	for _, tc := range sealedColumns {
		table, col := tc[0], tc[1]
		err := db.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT `+col+` FROM `+table+` WHERE `+col+` IS NOT NULL AND `+col+` <> ''`)
			if err != nil {
				return err
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
				nv, changed, err := kr.RewrapString(v)
				if err != nil {
					return fmt.Errorf("%s.%s: %w", table, col, err)
				}
				if !changed {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+col+` = $1 WHERE `+col+` = $2`, nv, v); err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
