package packager

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// writeOut writes the package into new folders beside Out and swaps them in
// only when every byte is on disk: a failure leaves the old Out and
// Out.hosts as they were, and a kill leaves a journal from which the next
// run restores the old pair or completes the new one (swap.go).
func writeOut(b *Build) error {
	out := filepath.Clean(b.Out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	unlock, err := lockDir(parent)
	if err != nil {
		return err
	}
	defer unlock()
	if err := recoverOut(out, b.Log); err != nil {
		return err
	}
	// OUT.edge (package --edge, ReplaceDir) keeps the same journal: a run
	// stopped while replacing it is repaired by the next run of either.
	if err := recoverOut(out+".edge", b.Log); err != nil {
		return err
	}
	j := journal{Phase: "write", Hosts: len(b.Beside) > 0}
	if err := checkOwned(out, j.Hosts); err != nil {
		return err
	}
	for {
		j.Tmp = "." + filepath.Base(out) + ".new-" + strconv.FormatUint(uint64(rand.Uint32()), 10)
		if !exists(filepath.Join(parent, j.Tmp)) && !exists(filepath.Join(parent, j.Tmp+".hosts")) {
			break
		}
	}
	p := pathsOf(out, j.Tmp)
	if err := b.hook.at("journal write"); err != nil {
		return err
	}
	if err := writeJournal(p, j); err != nil {
		os.Remove(p.journal)
		return err
	}
	if err := b.swapIn(p, &j); err != nil {
		if _, rerr := repair(p, j, nil); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return nil
}

// swapIn writes the new pair and swaps it in; j is updated as it goes, for
// the repair of a failure.
func (b *Build) swapIn(p swapPaths, j *journal) error {
	if err := b.hook.at("write files"); err != nil {
		return err
	}
	if err := os.Mkdir(p.tmp, 0o755); err != nil {
		return err
	}
	dirs := map[string]bool{p.tmp: true}
	var files []writeJob
	for _, n := range b.sortedNames() {
		files = append(files, writeJob{filepath.Join(p.tmp, filepath.FromSlash(n)), b.Files[n]})
	}
	for _, n := range sortedKeys(b.Compressed) {
		files = append(files, writeJob{filepath.Join(p.tmp, filepath.FromSlash(n)), &File{Data: b.Compressed[n]}})
	}
	if err := writeFiles(files, dirs); err != nil {
		return err
	}
	if err := b.hook.at("write hosts"); err != nil {
		return err
	}
	if j.Hosts {
		files = []writeJob{{filepath.Join(p.tmpHosts, HostsMarker), &File{Data: []byte(hostsMarkerText)}}}
		for _, n := range sortedKeys(b.Beside) {
			files = append(files, writeJob{filepath.Join(p.tmpHosts, filepath.FromSlash(n)), &File{Data: b.Beside[n]}})
		}
		if err := writeFiles(files, dirs); err != nil {
			return err
		}
	}
	dirs[p.parent] = true
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	if err := b.hook.at("journal swap"); err != nil {
		return err
	}
	j.Phase = "swap"
	if err := writeJournal(p, *j); err != nil {
		return err
	}
	if err := b.hook.at("move old out"); err != nil {
		return err
	}
	if exists(p.out) {
		if err := os.Rename(p.out, p.oldOut); err != nil {
			return err
		}
	}
	if err := b.hook.at("move old hosts"); err != nil {
		return err
	}
	// The old OUT.hosts goes with the old OUT, if it is pwagen's: a package
	// without server configs must not leave stale ones beside it.
	if _, ok, _ := owned(p.hosts, HostsMarker); ok && exists(p.hosts) {
		if err := os.Rename(p.hosts, p.oldHosts); err != nil {
			return err
		}
	}
	if err := b.hook.at("move new out"); err != nil {
		return err
	}
	if err := os.Rename(p.tmp, p.out); err != nil { // the commit
		return err
	}
	if err := b.hook.at("move new hosts"); err != nil {
		return err
	}
	if j.Hosts {
		if err := os.Rename(p.tmpHosts, p.hosts); err != nil {
			return err
		}
	}
	if err := syncDir(p.parent); err != nil {
		return err
	}
	_, err := repair(p, *j, b.hook) // removes the old pair, then the journal
	return err
}
