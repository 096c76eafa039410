package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// deviceFile is what --device-key FILE holds: the phone's own key, and
// the certificate the server made for it once registered.
type deviceFile struct {
	PrivateKey  string  `json:"private_key"` // base64url (no padding) of the 32-byte Ed25519 seed
	Certificate *string `json:"certificate"` // base64url (no padding); null until registered
	DeviceID    *int64  `json:"device_id"`
	ExpiresAt   *string `json:"expires_at"` // RFC 3339, the certificate's NotAfter
}

// deviceKey is a device file read.
type deviceKey struct {
	path string
	file deviceFile
	priv ed25519.PrivateKey
	cert []byte // nil until registered
}

// readDeviceKey reads path; missing is true (and the error nil) when
// there is no such file.
func readDeviceKey(path string) (k *deviceKey, missing bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	k = &deviceKey{path: path}
	if err := json.Unmarshal(b, &k.file); err != nil {
		return nil, false, fmt.Errorf("%s: not a device key file (JSON with private_key): %v", path, err)
	}
	seed, err := base64.RawURLEncoding.Strict().DecodeString(k.file.PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("%s: private_key is not 32 bytes of base64url without padding", path)
	}
	k.priv = ed25519.NewKeyFromSeed(seed)
	if k.file.Certificate != nil {
		if k.cert, err = base64.RawURLEncoding.Strict().DecodeString(*k.file.Certificate); err != nil {
			return nil, false, fmt.Errorf("%s: certificate is not base64url without padding: %v", path, err)
		}
	}
	return k, false, nil
}

// newDeviceKey makes a device key for path (not yet written).
func newDeviceKey(path string) (*deviceKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("making a key: %w", err)
	}
	return &deviceKey{path: path, priv: priv, file: deviceFile{PrivateKey: base64.RawURLEncoding.EncodeToString(priv.Seed())}}, nil
}

// public is the device's public key.
func (k *deviceKey) public() ed25519.PublicKey {
	return k.priv.Public().(ed25519.PublicKey)
}

// setCertificate records what the server answered.
func (k *deviceKey) setCertificate(cert []byte, device int64, notAfter time.Time) {
	s := base64.RawURLEncoding.EncodeToString(cert)
	at := notAfter.Format(time.RFC3339)
	k.cert = cert
	k.file.Certificate, k.file.DeviceID, k.file.ExpiresAt = &s, &device, &at
}

// write saves the file, readable by its owner alone (0600), replacing it
// whole or not at all.
func (k *deviceKey) write() error {
	b, err := json.MarshalIndent(k.file, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(k.path), "."+filepath.Base(k.path)+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("writing %s: %w", k.path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), k.path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", k.path, err)
	}
	return nil
}

// openToOthers is a warning when the file may be read by others, or "".
func openToOthers(path string) string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("%s holds a private key but others may read it (mode %04o): chmod 600 %s", path, st.Mode().Perm(), path)
}
