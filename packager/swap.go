package packager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pwagen/pwagen/internal/fsx"
)

// The pair OUT and OUT.hosts is replaced with renames, which a kill can
// stop half way. A journal beside OUT, .OUT.pwagen-journal, records the
// run's temporary folder and its phase, and the next run (or this one, on
// an error) repairs what it finds:
//
//	phase "write": .OUT.new-X and .OUT.new-X.hosts are being written;
//	  OUT and OUT.hosts are untouched. Repair: remove the new folders.
//	phase "swap": the new folders are complete and on disk. The old pair
//	  moves to .OUT.new-X.old and .OUT.new-X.hosts.old, then the new pair
//	  moves in; renaming .OUT.new-X to OUT is the commit. Repair: before the
//	  commit, put the old pair back; after it, move the new OUT.hosts in.
//	  Then remove the old pair.
//
// The journal is removed last: a completed run leaves none, and a pair
// that agrees. A lock on OUT's parent folder keeps a running pwagen's
// journal from being taken for a stopped one's.

type journal struct {
	Phase string `json:"phase"` // "write" or "swap"
	Tmp   string `json:"tmp"`   // base name of the new OUT: ".OUT.new-X"
	Hosts bool   `json:"hosts"` // the new package has an OUT.hosts
	// Single is set for a folder replaced alone (ReplaceDir: OUT.edge),
	// which has no .hosts beside it.
	Single bool `json:"single,omitempty"`
}

// swapPaths are the folders of one swap.
type swapPaths struct {
	out, hosts, journal   string // OUT, OUT.hosts, the journal
	tmp, tmpHosts         string // the new pair while written
	oldOut, oldHosts      string // the old pair while swapped out
	parent, base, tmpBase string
}

func pathsOf(out, tmp string) swapPaths {
	parent := filepath.Dir(out)
	t := filepath.Join(parent, tmp)
	return swapPaths{
		out: out, hosts: out + ".hosts", journal: journalPath(out),
		tmp: t, tmpHosts: t + ".hosts", oldOut: t + ".old", oldHosts: t + ".hosts.old",
		parent: parent, base: filepath.Base(out), tmpBase: tmp,
	}
}

func journalPath(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".pwagen-journal")
}

// step is a seam for tests: it runs before each step of writeOut and
// recoverOut, by name, and may stop the run there.
type stepHook func(step string) error

func (h stepHook) at(step string) error {
	if h == nil {
		return nil
	}
	return h(step)
}

func writeJournal(p swapPaths, j journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := p.journal + ".tmp"
	os.Remove(tmp) // left by a run killed while writing its journal
	if err := writeFile(tmp, &File{Data: append(data, '\n')}); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p.journal); err != nil {
		return err
	}
	return syncDir(p.parent)
}

// readJournal returns the journal beside out, or nil if there is none.
func readJournal(out string) (*journal, error) {
	p := journalPath(out)
	data, err := fsx.ReadFile(p, 4<<10, "journal")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	damaged := func(why string) error {
		return fmt.Errorf("%s: %s; it records an interrupted packaging of %s. Check %s and %s.hosts, remove the .%s.new-* folders beside them and this file, then package again", p, why, out, out, out, filepath.Base(out))
	}
	if err != nil {
		return nil, damaged(err.Error())
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, damaged("damaged")
	}
	// The journal names folders to remove: accept only names this code gives.
	re := regexp.MustCompile(`^\.` + regexp.QuoteMeta(filepath.Base(out)) + `\.new-[0-9]+$`)
	if !re.MatchString(j.Tmp) || (j.Phase != "write" && j.Phase != "swap") {
		return nil, damaged(fmt.Sprintf("unexpected content %q", strings.TrimSpace(string(data))))
	}
	return &j, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// recoverOut repairs what a stopped run left beside out, and says what it
// did on log, in one line.
func recoverOut(out string, log io.Writer) error {
	j, err := readJournal(out)
	if err != nil {
		return err
	}
	if j != nil {
		msg, err := repair(pathsOf(out, j.Tmp), *j, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "pwagen: %s\n", msg)
	}
	warnOrphans(out, log)
	return nil
}

// warnOrphans names the temporary folders that pwagen versions without a
// journal left when they were stopped. Nothing records that pwagen wrote
// them, so they are the user's to remove.
func warnOrphans(out string, log io.Writer) {
	parent, base := filepath.Dir(out), filepath.Base(out)
	re := regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.new-[0-9]+(\.hosts)?(\.old)?$`)
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.IsDir() && re.MatchString(e.Name()) {
			p := filepath.Join(parent, e.Name())
			fmt.Fprintf(log, "pwagen: %s was left by a stopped run of an older pwagen, which kept no journal; remove it: rm -r %s\n", p, p)
		}
	}
}

// repair brings the pair back to a whole state, old or new, removes the
// rest and then the journal. It returns what it did.
func repair(p swapPaths, j journal, hook stepHook) (string, error) {
	rel := func(s string) string { return filepath.Base(s) }
	pair := rel(p.out) + " and " + rel(p.out) + ".hosts"
	if j.Single {
		pair = rel(p.out)
	}
	var msg string
	switch {
	case j.Phase == "write":
		msg = fmt.Sprintf("removed %s, left unfinished by a packaging that was stopped; %s was not touched", rel(p.tmp), rel(p.out))
		if err := removeAll(p.tmp, p.tmpHosts); err != nil {
			return "", err
		}
	case exists(p.tmp): // before the commit: the old pair goes back
		if !exists(p.out) && exists(p.oldOut) {
			if err := os.Rename(p.oldOut, p.out); err != nil {
				return "", err
			}
		}
		if !exists(p.hosts) && exists(p.oldHosts) {
			if err := os.Rename(p.oldHosts, p.hosts); err != nil {
				return "", err
			}
		}
		if exists(p.oldOut) || exists(p.oldHosts) {
			return "", fmt.Errorf("cannot restore %s and %s.hosts from %s and %s: something else now has their names; move them away and run again", p.out, p.out, p.oldOut, p.oldHosts)
		}
		if err := syncDir(p.parent); err != nil {
			return "", err
		}
		msg = fmt.Sprintf("restored %s as before a packaging that was stopped while replacing it, and removed its new files", pair)
		if err := removeAll(p.tmp, p.tmpHosts); err != nil {
			return "", err
		}
	default: // after the commit: OUT is new, its OUT.hosts follows
		if j.Hosts && exists(p.tmpHosts) {
			if exists(p.hosts) {
				return "", fmt.Errorf("cannot move %s to %s.hosts: %s.hosts exists again; move it away and run again", p.tmpHosts, p.out, p.out)
			}
			if err := os.Rename(p.tmpHosts, p.hosts); err != nil {
				return "", err
			}
		}
		if err := syncDir(p.parent); err != nil {
			return "", err
		}
		msg = fmt.Sprintf("completed the replacement of %s by a packaging that was stopped after writing the new files, and removed the old ones", pair)
		if err := hook.at("remove old"); err != nil {
			return "", err
		}
		if err := removeAll(p.oldOut, p.oldHosts); err != nil {
			return "", err
		}
	}
	if err := hook.at("remove journal"); err != nil {
		return "", err
	}
	if err := os.Remove(p.journal); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return msg, syncDir(p.parent)
}

func removeAll(paths ...string) error {
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes the renames and creations in dir survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
