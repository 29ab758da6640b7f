// bench-walk: the benchmark's Go program, a static binary (CGO_ENABLED=0)
// that fwatch cannot preload and traces by system-call notification. It
// walks ROOT with filepath.WalkDir and opens and reads every regular file
// to its end, as a Go tool scanning a source tree does; it prints the
// number of files and of bytes read.
//
// usage: bench-walk ROOT
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bench-walk ROOT")
		os.Exit(2)
	}
	buf := make([]byte, 64<<10)
	var files, bytes int64
	err := filepath.WalkDir(os.Args[1], func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			// A directory it may not read is skipped, as find does.
			fmt.Fprintln(os.Stderr, "bench-walk:", err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-walk:", err)
			return nil
		}
		for {
			n, err := f.Read(buf)
			bytes += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench-walk:", err)
				break
			}
		}
		f.Close()
		files++
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-walk:", err)
		os.Exit(1)
	}
	fmt.Printf("files=%d bytes=%d\n", files, bytes)
}
