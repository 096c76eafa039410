package geo

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// ErrNoArchive is returned when a path holds no IMDF archive at all.
var ErrNoArchive = errors.New("geo: not an IMDF archive")

// maxFileBytes bounds what one archive file may hold, so a hostile archive
// (a zip bomb) cannot exhaust memory.
const maxFileBytes = 512 << 20

// Load reads, validates and indexes the IMDF archive at path: a folder or a
// .zip file. It returns an error only when there is no archive to read; what
// is wrong inside one is in the Venue's Problems, and the features in error
// are left out.
func Load(p string) (*Venue, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	if st.IsDir() {
		return LoadFS(os.DirFS(p))
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	return LoadZip(data)
}

// LoadZip reads an archive from the bytes of a .zip file.
func LoadZip(data []byte) (*Venue, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoArchive, err)
	}
	return LoadFS(zr)
}

// LoadFS reads an archive from a file system whose root, or whose only
// top-level folder, holds manifest.json and the GeoJSON files.
func LoadFS(fsys fs.FS) (*Venue, error) {
	root, err := archiveRoot(fsys)
	if err != nil {
		return nil, err
	}
	files, err := readFiles(root)
	if err != nil {
		return nil, err
	}
	return build(files), nil
}

// maxRootDepth bounds how many nested single folders archiveRoot descends.
const maxRootDepth = 16

// archiveRoot finds the folder that holds the archive: the root, or the end
// of a chain of single folders (a zip made of a folder, or one made with the
// folder's whole path, "Volumes/Macintosh HD/Users/.../IMDFData/").
func archiveRoot(fsys fs.FS) (fs.FS, error) {
	for range maxRootDepth {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoArchive, err)
		}
		var dirs []string
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() && (name == "manifest.json" || featureFile(name) != "") {
				return fsys, nil
			}
			if e.IsDir() && !strings.HasPrefix(name, "__MACOSX") && !strings.HasPrefix(name, ".") {
				dirs = append(dirs, name)
			}
		}
		if len(dirs) != 1 {
			break
		}
		if fsys, err = fs.Sub(fsys, dirs[0]); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoArchive, err)
		}
	}
	return nil, fmt.Errorf("%w: no manifest.json or .geojson file at its root", ErrNoArchive)
}

// featureFile returns the feature type a file of an archive holds by its
// name: "unit" for unit.geojson, and for unit.json, which some exporters
// write; "" for any other name.
func featureFile(name string) string {
	if typ, ok := strings.CutSuffix(name, ".geojson"); ok {
		return typ
	}
	if typ, ok := strings.CutSuffix(name, ".json"); ok {
		if _, known := geometryTypes[typ]; known {
			return typ
		}
	}
	return ""
}

// archiveFile is one file of an archive, read whole.
type archiveFile struct {
	name string
	data []byte
	err  error // reading failed
}

// readFiles reads every regular file at the archive's root, in name order.
// Sub-folders are listed as unknown files.
func readFiles(fsys fs.FS) ([]archiveFile, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoArchive, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []archiveFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			out = append(out, archiveFile{name: name + "/"})
			continue
		}
		f := archiveFile{name: name}
		f.data, f.err = readLimited(fsys, name)
		out = append(out, f)
	}
	return out, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(path.Clean(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxFileBytes>>20)
	}
	return data, nil
}
