// Package migrations reads the numbered SQL migrations that the stores
// (services/sqlite, services/postgres) embed and apply. Each store applies
// them its own way; the naming and ordering rules live here, once.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"testing/fstest"
)

// Migration is one numbered SQL script, migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string // the file's name
	SQL     string
}

// Load reads migrations/*.sql from fsys, by version. Versions start at 1
// and have no gaps or repeats; a name that is not NNNN_name.sql is an
// error naming the file.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (numbered from 1 without gaps or repeats)", m.Name, i+1)
		}
	}
	return ms, nil
}

// Upto returns the migrations of fsys up to version n, then the SQL of
// extra as the next ones (NNNN_extra.sql): a schema as an older program
// left it, or one with a migration of a test's own. For tests.
func Upto(fsys fs.FS, n int, extra ...string) (fstest.MapFS, error) {
	ms, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > len(ms) {
		return nil, fmt.Errorf("version %d: there are %d migrations", n, len(ms))
	}
	out := fstest.MapFS{}
	for _, m := range ms[:n] {
		out["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	for i, sql := range extra {
		out[fmt.Sprintf("migrations/%04d_extra.sql", n+i+1)] = &fstest.MapFile{Data: []byte(sql)}
	}
	return out, nil
}
