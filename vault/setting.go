package vault

import "fmt"

func settingKey(name string) ([]byte, error) {
	n, err := nonEmpty("setting name", name)
	if err != nil {
		return nil, err
	}
	return key(pfxSetting, n), nil
}

// GetSetting returns the value of setting name, or ErrNotFound.
func (tx *Tx) GetSetting(name string) ([]byte, error) {
	k, err := settingKey(name)
	var v []byte
	if err == nil {
		v, err = tx.get(k)
	}
	if err != nil {
		return nil, fmt.Errorf("get setting %q: %w", name, err)
	}
	return v, nil
}

// PutSetting stores value under setting name.
func (tx *Tx) PutSetting(name string, value []byte) error {
	k, err := settingKey(name)
	if err == nil {
		err = tx.put(k, value)
	}
	if err != nil {
		return fmt.Errorf("put setting %q: %w", name, err)
	}
	return nil
}
