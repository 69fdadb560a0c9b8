package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/tdewolff/minify/v2"
	mhtml "github.com/tdewolff/minify/v2/html"
	mjson "github.com/tdewolff/minify/v2/json"
	msvg "github.com/tdewolff/minify/v2/svg"
)

// metaCSP is the page's Content-Security-Policy as a <meta> element, for
// hosts that send none: the hosts' policy without frame-ancestors, which a
// <meta> cannot carry.
var metaCSP = strings.Replace(hosts.CSP, "; frame-ancestors 'none'", "", 1)

var minifier = func() *minify.M {
	m := minify.New()
	m.Add("text/html", &mhtml.Minifier{KeepDocumentTags: true, KeepEndTags: true, KeepQuotes: true})
	m.AddFunc("application/json", mjson.Minify)
	m.AddFunc("image/svg+xml", msvg.Minify)
	return m
}()

var (
	inlineScriptRe = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	handlerRe      = regexp.MustCompile(`(?is)<[a-z][^>]*?\s(on[a-z]+)\s*=`)
	styleTagRe     = regexp.MustCompile(`(?is)<style\b`)
	styleAttrRe    = regexp.MustCompile(`(?is)<[a-z][^>]*?\sstyle\s*=`)
	refRe          = regexp.MustCompile(`(?i)\b(src|href)(\s*=\s*)(["'])(?:\./)?([^"']+)(["'])`)
)

func lineOf(src []byte, off int) int { return bytes.Count(src[:off], []byte("\n")) + 1 }

// checkPage refuses what the CSP would block in the browser: inline
// scripts, event handler attributes and inline styles.
func checkPage(name string, src []byte) error {
	for _, m := range inlineScriptRe.FindAllSubmatchIndex(src, -1) {
		if !regexp.MustCompile(`(?i)\ssrc\s*=`).Match(src[m[2]:m[3]]) {
			return fmt.Errorf("%s:%d: inline <script>; the Content-Security-Policy allows scripts from files only: move the code to app.js", name, lineOf(src, m[0]))
		}
	}
	if m := handlerRe.FindSubmatchIndex(src); m != nil {
		return fmt.Errorf("%s:%d: inline event handler %s=; the Content-Security-Policy blocks it: add the listener in app.js instead", name, lineOf(src, m[2]), src[m[2]:m[3]])
	}
	if m := styleTagRe.FindIndex(src); m != nil {
		return fmt.Errorf("%s:%d: inline <style>; the Content-Security-Policy allows styles from files only: move it to style.css", name, lineOf(src, m[0]))
	}
	if m := styleAttrRe.FindIndex(src); m != nil {
		return fmt.Errorf("%s:%d: style= attribute; the Content-Security-Policy blocks inline styles: use a class in style.css", name, lineOf(src, m[0]))
	}
	return nil
}

// rewritePage points index.html at the hashed bundles, links the manifest,
// icons and CSP, and minifies it.
func rewritePage(ctx context.Context, b *Build) error {
	p := filepath.Join(b.Config.Rel(b.Config.App.Web), "index.html")
	rel, _ := filepath.Rel(b.Config.Dir, p)
	src, err := b.readWeb(p, rel, fsx.PageLimit, "page")
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: missing; the app needs a page", p)
	}
	if err != nil {
		return err
	}
	page, err := b.renderPage(rel, src)
	if err != nil {
		return err
	}
	b.add(&File{Name: "index.html", Data: page})
	return nil
}

// renderPage is rewritePage on the page's bytes: rel names it in errors.
func (b *Build) renderPage(rel string, src []byte) ([]byte, error) {
	if err := checkPage(rel, src); err != nil {
		return nil, err
	}
	out := refRe.ReplaceAllFunc(src, func(m []byte) []byte {
		s := refRe.FindSubmatch(m)
		if name, ok := b.names[string(s[4])]; ok {
			return []byte(fmt.Sprintf("%s%s%s%s%s", s[1], s[2], s[3], name, s[5]))
		}
		return m
	})
	open, i := headTags(out)
	if open < 0 {
		return nil, fmt.Errorf("%s: no <head>; pwagen puts the Content-Security-Policy first in it", rel)
	}
	if i < 0 {
		return nil, fmt.Errorf("%s: no </head>; pwagen adds the manifest link and icons there", rel)
	}
	var head strings.Builder
	fmt.Fprintf(&head, `<meta name="theme-color" content="%s">`, html.EscapeString(b.Config.App.ThemeColor))
	fmt.Fprintf(&head, `<link rel="manifest" href="%s">`, ManifestName)
	for _, ic := range b.icons {
		if ic.Sizes == "192x192" {
			fmt.Fprintf(&head, `<link rel="icon" href="%s"><link rel="apple-touch-icon" href="%s">`, ic.Src, ic.Src)
		}
	}
	fmt.Fprintf(&head, `<link rel="modulepreload" href="%s">`, LoaderName)
	out = append(out[:i:i], append([]byte(head.String()), out[i:]...)...)
	// The policy governs only what follows it: it opens the head.
	csp := fmt.Sprintf(`<meta http-equiv="Content-Security-Policy" content="%s">`, html.EscapeString(metaCSP))
	out = append(out[:open:open], append([]byte(csp), out[open:]...)...)
	min, err := minifier.Bytes("text/html", out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if o, _ := headTags(min); o < 0 || !bytes.HasPrefix(min[o:], []byte(`<meta http-equiv="Content-Security-Policy"`)) {
		return nil, fmt.Errorf("%s: the Content-Security-Policy is not first in the minified page's head (a pwagen bug; please report it with the page)", rel)
	}
	return min, nil
}

// copyWeb copies the other files of web/: JavaScript and CSS are bundled
// by esbuild, HTML, JSON and SVG are minified, the rest copied. A symlink
// is followed only inside the project; anything that is not a regular file,
// or whose name is not URL-safe, is an error naming it.
func copyWeb(ctx context.Context, b *Build) error {
	web := b.Config.Rel(b.Config.App.Web)
	icon := b.Config.Rel(b.Config.App.Icon)
	return filepath.WalkDir(web, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(web, p)
		rel = filepath.ToSlash(rel)
		shown, _ := filepath.Rel(b.Config.Dir, p)
		if d.IsDir() {
			if p != web && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if err := b.checkLink(p, shown); err != nil {
				return err
			}
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				target, _ := os.Readlink(p)
				return fmt.Errorf("%s: a symlink to the folder %s; pwagen does not follow symlinked folders: copy the folder into %s instead", shown, target, b.Config.App.Web)
			}
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".js", ".mjs", ".ts", ".jsx", ".tsx", ".css", ".map":
			return nil
		}
		if rel == "index.html" || p == icon {
			return nil
		}
		if err := checkWebName(shown, rel); err != nil {
			return err
		}
		if _, taken := b.Files[rel]; taken || reserved[rel] {
			return fmt.Errorf("%s: clashes with a file pwagen writes (%s); rename it", p, rel)
		}
		data, err := fsx.ReadFile(p, fsx.WebLimit, "web")
		if err != nil {
			return err
		}
		mime := map[string]string{".html": "text/html", ".json": "application/json", ".svg": "image/svg+xml"}[strings.ToLower(filepath.Ext(p))]
		if mime != "" {
			if data, err = minifier.Bytes(mime, data); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		b.add(&File{Name: rel, Data: data})
		return nil
	})
}

// readWeb reads a file of web/ (shown as rel in errors): a symlink must
// stay inside the project, and the file must be a regular one of at most
// limit bytes.
func (b *Build) readWeb(p, rel string, limit int64, what string) ([]byte, error) {
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if err := b.checkLink(p, rel); err != nil {
			return nil, err
		}
	}
	return fsx.ReadFile(p, limit, what)
}

// checkLink refuses a symlink that leads outside the project: pwagen would
// publish the file it points at.
func (b *Build) checkLink(p, rel string) error {
	target, _ := os.Readlink(p)
	real, ok, err := config.Inside(b.Config.Dir, p)
	if err != nil {
		return fmt.Errorf("%s: a symlink to %s: %w", rel, target, err)
	}
	if !ok {
		return fmt.Errorf("%s: a symlink to %s, which is outside the project (%s); pwagen would publish that file: copy it into the project instead, or remove the link", rel, target, real)
	}
	return nil
}

// checkWebName refuses names the service worker cannot precache by URL as
// they are: spaces, quotes, <, >, %, ?, # and backslashes.
func checkWebName(shown, rel string) error {
	for _, r := range rel {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("?#\\\"'<>%", r) {
			what := fmt.Sprintf("%q", r)
			if r == ' ' {
				what = "a space"
			}
			return fmt.Errorf("%s: the name holds %s; pages and the service worker fetch web files by URL, so their names must be URL-safe: rename it, such as %q", shown, what, safeName(rel))
		}
	}
	return nil
}

func safeName(rel string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("?#\\\"'<>%", r) {
			return '-'
		}
		return r
	}, rel)
}

// reserved are names pwagen itself writes.
var reserved = map[string]bool{"sw.js": true, LoaderName: true, ManifestName: true, "_headers": true, "vercel.json": true, "firebase.json": true, "staticwebapp.config.json": true, ".htaccess": true, ".nojekyll": true}
