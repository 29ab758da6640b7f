// The Go program tests/notify/run.sh traces through the notification door
// (built with CGO_ENABLED=0, so statically linked, and making its system
// calls from several threads): walk DIR with filepath.WalkDir, read each
// regular file whole with 4 goroutines, and print "read N" (the files read)
// and "bytes N" (their bytes).
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: walk DIR")
		os.Exit(2)
	}
	paths := make(chan string)
	var files, bytes int64
	var failed int32
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					fmt.Fprintln(os.Stderr, "walk:", err)
					atomic.StoreInt32(&failed, 1)
					continue
				}
				atomic.AddInt64(&files, 1)
				atomic.AddInt64(&bytes, int64(len(b)))
			}
		}()
	}
	err := filepath.WalkDir(os.Args[1], func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			paths <- p
		}
		return nil
	})
	close(paths)
	wg.Wait()
	fmt.Printf("read %d\nbytes %d\n", files, bytes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "walk:", err)
		os.Exit(1)
	}
	if atomic.LoadInt32(&failed) != 0 {
		os.Exit(1)
	}
}
