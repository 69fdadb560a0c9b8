package packager

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// ReplaceDir replaces the folder out whole (such as OUT.edge) with the one
// fill writes into the empty folder it is given, through the same journal
// as OUT (swap.go): a failure of fill leaves out as it was, and a kill at
// any step leaves a journal from which the next run (of ReplaceDir, or of
// package for OUT) restores the old folder or completes the new one. What
// a repair did is said on log (nil for nowhere). The caller checks that out is its to
// replace.
func ReplaceDir(out string, fill func(dir string) error, log io.Writer) error {
	return replaceDir(out, fill, log, nil)
}

func replaceDir(out string, fill func(dir string) error, log io.Writer, hook stepHook) error {
	if log == nil {
		log = io.Discard
	}
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	unlock, err := lockDir(parent)
	if err != nil {
		return err
	}
	defer unlock()
	if err := recoverOut(out, log); err != nil {
		return err
	}
	j := journal{Phase: "write", Single: true}
	for {
		j.Tmp = "." + filepath.Base(out) + ".new-" + strconv.FormatUint(uint64(rand.Uint32()), 10)
		if !exists(filepath.Join(parent, j.Tmp)) {
			break
		}
	}
	p := pathsOf(out, j.Tmp)
	if err := hook.at("journal write"); err != nil {
		return err
	}
	if err := writeJournal(p, j); err != nil {
		os.Remove(p.journal)
		return err
	}
	if err := swapDir(p, &j, fill, hook); err != nil {
		if _, rerr := repair(p, j, nil); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return nil
}

// swapDir fills the new folder, makes it durable and swaps it in; j is
// updated as it goes, for the repair of a failure.
func swapDir(p swapPaths, j *journal, fill func(string) error, hook stepHook) error {
	if err := hook.at("write files"); err != nil {
		return err
	}
	if err := os.Mkdir(p.tmp, 0o755); err != nil {
		return err
	}
	if err := fill(p.tmp); err != nil {
		return err
	}
	if err := syncTree(p.tmp); err != nil {
		return err
	}
	if err := syncDir(p.parent); err != nil {
		return err
	}
	if err := hook.at("journal swap"); err != nil {
		return err
	}
	j.Phase = "swap"
	if err := writeJournal(p, *j); err != nil {
		return err
	}
	if err := hook.at("move old out"); err != nil {
		return err
	}
	if exists(p.out) {
		if err := os.Rename(p.out, p.oldOut); err != nil {
			return err
		}
	}
	if err := hook.at("move new out"); err != nil {
		return err
	}
	if err := os.Rename(p.tmp, p.out); err != nil { // the commit
		return err
	}
	if err := syncDir(p.parent); err != nil {
		return err
	}
	_, err := repair(p, *j, hook) // removes the old folder, then the journal
	return err
}

// syncTree makes every file and folder fill wrote under dir durable: the
// files of a tool (such as go build's executables) are not synced by it.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(path)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
