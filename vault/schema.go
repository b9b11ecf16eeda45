package vault

import (
	"errors"
	"fmt"
)

// SchemaVersion is the record schema this build writes. Bump it together
// with an entry in migrations when a stored encoding changes.
const SchemaVersion = 2

// migrations upgrade the records of schema version N to N+1; the key is N.
// Each runs in one transaction together with the version bump, so an
// interrupted upgrade resumes where it stopped.
//
// Schema 2 stores a long text in a record of its own (MessageRecord
// text_apart). Schema 1 records keep their text inline and are read as
// before, so 1 → 2 rewrites nothing; the version bump makes a build that
// knows only schema 1 refuse the vault (ErrNewerSchema) rather than show
// long texts as empty.
var migrations = map[uint32]func(*Tx) error{
	1: func(*Tx) error { return nil },
}

// SchemaVersion returns the schema version recorded in the vault, or 0 if
// none is recorded yet.
func (tx *Tx) SchemaVersion() (uint32, error) {
	var r SchemaRecord
	err := tx.getProto(keySchema, &r)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return r.Version, nil
}

func (tx *Tx) putSchemaVersion(v uint32) error {
	return tx.putProto(keySchema, &SchemaRecord{Version: v})
}

// migrate brings the stored schema up to the current version. A vault with
// no version record is new (Create, or a Create interrupted before its first
// commit) and is stamped with the current version.
func (v *Vault) migrate() error {
	target, table := uint32(SchemaVersion), migrations
	if v.opts.schema != 0 {
		target, table = v.opts.schema, v.opts.migrations
	}
	for {
		done := false
		err := v.Update(func(tx *Tx) error {
			cur, err := tx.SchemaVersion()
			switch {
			case err != nil:
				return err
			case cur == 0:
				done = true
				return tx.putSchemaVersion(target)
			case cur == target:
				done = true
				return nil
			case cur > target:
				return fmt.Errorf("%w: vault has schema %d, this build knows %d", ErrNewerSchema, cur, target)
			}
			step, ok := table[cur]
			if !ok {
				return fmt.Errorf("no migration from schema %d", cur)
			}
			if err := step(tx); err != nil {
				return fmt.Errorf("migrate schema %d: %w", cur, err)
			}
			return tx.putSchemaVersion(cur + 1)
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}
