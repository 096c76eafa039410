// Command gen writes the campus IMDF archive:
//
//	go run ./data/floorplans/campusgen/cmd/gen [-out data/floorplans/hkust-gz]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/campusnav/engine/data/floorplans/campusgen"
)

func main() {
	out := flag.String("out", "data/floorplans/hkust-gz", "the folder to write the archive to")
	flag.Parse()
	if err := campusgen.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
