package packager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/fsx"
)

// HostsMarker is the file pwagen writes into OUT.hosts. pwagen replaces
// OUT.hosts only if it holds this file, as it replaces OUT only if it holds
// pwagen.js: a folder without its marker is the user's.
const HostsMarker = "README-pwagen.txt"

const hostsMarkerText = "pwagen package writes this folder beside its output folder and replaces it whole on every run.\n" +
	"It holds the server configurations of that output, which must not be published.\n" +
	"Keep no files of your own here: pwagen deletes them.\n"

// owned tells whether pwagen may replace dir: it does not exist, is empty,
// or holds marker, a regular file pwagen writes there.
func owned(dir, marker string) (exists, ok bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, true, nil
	}
	if err != nil {
		return true, false, err
	}
	if len(entries) == 0 {
		return true, true, nil
	}
	fi, err := os.Lstat(filepath.Join(dir, marker))
	return true, err == nil && fi.Mode().IsRegular(), nil
}

// checkOwned refuses to replace an OUT or an OUT.hosts that pwagen did not
// write. OUT.hosts matters only when the package has server configs.
func checkOwned(out string, hosts bool) error {
	_, ok, err := owned(out, LoaderName)
	if err == nil && !ok { // a library (pwagen package --lib) holds pwagen-sw.js instead
		_, ok, err = owned(out, LibSW)
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	if !ok {
		return fmt.Errorf("--out %s exists, is not empty and holds no %s (nor %s), so pwagen did not write it; packaging would replace it whole. Move it away or choose another --out", out, LoaderName, LibSW)
	}
	if !hosts {
		return nil
	}
	_, ok, err = owned(out+".hosts", HostsMarker)
	if err != nil {
		return fmt.Errorf("%s.hosts: %w", out, err)
	}
	if !ok {
		return fmt.Errorf("%s.hosts exists, is not empty and holds no %s, so pwagen did not write it; packaging writes the server configs there and would replace it whole. Move it away or choose another --out", out, HostsMarker)
	}
	return nil
}

// checkOut refuses an output folder that would destroy sources or a
// folder pwagen did not write, and first repairs what a stopped run left.
func checkOut(ctx context.Context, b *Build) error {
	out, dir := filepath.Clean(b.Out), filepath.Clean(b.Config.Dir)
	if out == dir {
		return fmt.Errorf("--out %s is the project folder itself; packaging replaces OUT whole, so choose a folder of its own, such as %s", b.Out, filepath.Join(dir, "dist"))
	}
	for _, o := range []string{out, out + ".hosts"} {
		if rel, err := filepath.Rel(o, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			if o == out {
				return fmt.Errorf("--out %s contains the project's sources; choose a folder inside or beside the project, such as %s", b.Out, filepath.Join(dir, "dist"))
			}
			return fmt.Errorf("--out %s would put the server configs into %s, which is or holds the project's sources; choose another --out, such as %s", b.Out, o, filepath.Join(dir, "dist"))
		}
	}
	web := filepath.Clean(b.Config.Rel(b.Config.App.Web))
	if rel, err := filepath.Rel(web, out); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("--out %s is inside the web folder %s, whose files it would then package; choose another folder", b.Out, web)
	}
	if _, err := os.Stat(filepath.Dir(out)); err == nil {
		unlock, err := lockDir(filepath.Dir(out))
		if err != nil {
			return err
		}
		err = recoverOut(out, b.Log)
		unlock()
		if err != nil {
			return err
		}
	}
	return checkOwned(out, writesBeside(b))
}

// writesBeside tells whether the project's hosts include one whose config
// goes beside OUT (nginx, Apache, Caddy, S3): then OUT.hosts is written.
// It asks the host writers, over an empty package.
func writesBeside(b *Build) bool {
	if len(b.Beside) > 0 {
		return true
	}
	spec := hosts.Spec{Isolation: b.Config.Deploy.Isolation}
	rules, err := hosts.Rules(spec)
	if err != nil {
		return true
	}
	_, beside, err := hosts.Write(rules, spec, b.Config.Deploy.Hosts)
	return err != nil || len(beside) > 0
}

// writeJob is one file to write: where, and what.
type writeJob struct {
	path string
	f    *File
}

// parallelWrites is how many files writeFiles writes at a time. Making a
// file durable (fsync) is a wait on the disk, not work for the CPU, and
// ext4 commits the fsyncs pending together in one journal transaction:
// the 27 files of the bench's package took 340 to 460 ms one at a time
// and 46 to 105 ms sixteen at a time, on 2 cores under load.
const parallelWrites = 16

// writeFiles writes each job's file (writeFile), parallelWrites at a
// time, and adds the folders it wrote into to dirs. When it returns nil,
// every file is on disk; after an error it starts no more files, waits for
// those under way and returns the error of the first job that failed.
func writeFiles(jobs []writeJob, dirs map[string]bool) error {
	for _, j := range jobs {
		d := filepath.Dir(j.path)
		if !dirs[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			dirs[d] = true
		}
	}
	errs := make([]error, len(jobs))
	next := make(chan int)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(parallelWrites, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if failed.Load() {
					continue
				}
				if errs[i] = writeFile(jobs[i].path, jobs[i].f); errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func writeFile(p string, f *File) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if f.Src != nil {
		r, _, err := fsx.Open(f.Src.Path, f.Src.Off+f.Src.Size+MaxWeights, "weights")
		if err != nil {
			w.Close()
			return err
		}
		// From a *os.File at the offset, limited: io.Copy then copies in
		// the kernel (copy_file_range on Linux), not through a buffer.
		var n int64
		if _, err = r.Seek(f.Src.Off, io.SeekStart); err == nil {
			n, err = io.Copy(w, io.LimitReader(r, f.Src.Size))
		}
		r.Close()
		if err == nil && n != f.Src.Size {
			err = fmt.Errorf("%s: %d bytes at offset %d, want %d: did the file change during packaging? Package again", f.Src.Path, n, f.Src.Off, f.Src.Size)
		}
		if err != nil {
			w.Close()
			return err
		}
	} else if _, err := w.Write(f.Data); err != nil {
		w.Close()
		return err
	}
	// The swap that follows must find every byte on disk after a crash.
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
