package packager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pwagen/pwagen/internal/fsx"
)

// checkOut refuses an output folder that would destroy sources or a
// folder pwagen did not write.
func checkOut(ctx context.Context, b *Build) error {
	out, dir := filepath.Clean(b.Out), filepath.Clean(b.Config.Dir)
	if out == dir {
		return fmt.Errorf("--out %s is the project folder itself; packaging replaces OUT whole, so choose a folder of its own, such as %s", b.Out, filepath.Join(dir, "dist"))
	}
	if rel, err := filepath.Rel(out, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("--out %s contains the project's sources; choose a folder inside or beside the project, such as %s", b.Out, filepath.Join(dir, "dist"))
	}
	web := filepath.Clean(b.Config.Rel(b.Config.App.Web))
	if rel, err := filepath.Rel(web, out); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("--out %s is inside the web folder %s, whose files it would then package; choose another folder", b.Out, web)
	}
	entries, err := os.ReadDir(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", b.Out, err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(out, LoaderName)); err != nil {
			return fmt.Errorf("--out %s exists, is not empty and holds no %s, so pwagen did not write it; packaging would replace it whole. Move it away or choose another --out", b.Out, LoaderName)
		}
	}
	return nil
}

// writeOut writes the package into a new folder beside Out and swaps it in
// only when everything is written: a failure leaves the old Out as it was.
func writeOut(b *Build) (err error) {
	out := filepath.Clean(b.Out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".new-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, n := range b.sortedNames() {
		if err := writeFile(filepath.Join(tmp, filepath.FromSlash(n)), b.Files[n]); err != nil {
			return err
		}
	}
	if len(b.Beside) > 0 {
		hosts := out + ".hosts"
		tmpHosts := tmp + ".hosts"
		for n, data := range b.Beside {
			if err := writeFile(filepath.Join(tmpHosts, filepath.FromSlash(n)), &File{Data: data}); err != nil {
				os.RemoveAll(tmpHosts)
				return err
			}
		}
		if err := swap(tmpHosts, hosts); err != nil {
			os.RemoveAll(tmpHosts)
			return err
		}
	}
	return swap(tmp, out)
}

// swap replaces dst by src with renames, restoring dst if the second fails.
func swap(src, dst string) error {
	old := ""
	if _, err := os.Stat(dst); err == nil {
		old = src + ".old"
		if err := os.Rename(dst, old); err != nil {
			return err
		}
	}
	if err := os.Rename(src, dst); err != nil {
		if old != "" {
			os.Rename(old, dst)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
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
		_, err = io.Copy(w, io.NewSectionReader(r, f.Src.Off, f.Src.Size))
		r.Close()
		if err != nil {
			w.Close()
			return err
		}
	} else if _, err := w.Write(f.Data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
