package packager

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/config"
)

func pageBuild() *Build {
	c := config.Defaults
	return NewBuild(&c, "")
}

// TestRenderPageCSP: the Content-Security-Policy opens the real head of the
// minified page, whatever comments or attribute values mention a head
// (issue 12, defect 8).
func TestRenderPageCSP(t *testing.T) {
	for _, tt := range []struct{ name, page, keep string }{
		{"plain", "<!doctype html><html><head><title>x</title></head><body></body></html>", "<title>x</title>"},
		{"a comment mentions the head before it", "<!doctype html>\n<!-- layout: <head> then <body> -->\n<html><head><title>x</title></head><body><p>hi</p></body></html>", "<p>hi</p>"},
		{"an attribute value holds >", "<!doctype html><html><head data-x=\">\"><title>x</title></head><body></body></html>", `data-x=">"`},
		{"upper case, spaces", "<!DOCTYPE html><HTML><HEAD  lang=en ><title>x</title></HEAD ><body></body></HTML>", "<title>x</title>"},
		{"a script mentions </head>", "<!doctype html><html><head><script src=app.js type=module></script></head><body><textarea></head></textarea></body></html>", "<textarea></head></textarea>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := pageBuild().renderPage("web/index.html", []byte(tt.page))
			if err != nil {
				t.Fatal(err)
			}
			open, close := headTags(page)
			if open < 0 || close < 0 {
				t.Fatalf("no head in %s", page)
			}
			head := page[open:close]
			if !bytes.HasPrefix(head, []byte(`<meta http-equiv="Content-Security-Policy" content="default-src 'self'`)) {
				t.Errorf("the head does not open with the CSP: %s", page)
			}
			if !bytes.Contains(head, []byte(`<link rel="manifest" href="manifest.webmanifest">`)) {
				t.Errorf("no manifest link in the head: %s", page)
			}
			if bytes.Count(page, []byte("Content-Security-Policy")) != 1 {
				t.Errorf("the CSP is not there exactly once: %s", page)
			}
			if !bytes.Contains(page, []byte(tt.keep)) {
				t.Errorf("lost %q: %s", tt.keep, page)
			}
		})
	}
	for _, tt := range []struct{ page, want string }{
		{"<!-- <head> --><p>no head", "web/index.html: no <head>"},
		{"<html><head><title>x</title><!-- </head> -->", "web/index.html: no </head>"},
	} {
		if _, err := pageBuild().renderPage("web/index.html", []byte(tt.page)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.page, err, tt.want)
		}
	}
}

// FuzzPage: whatever web/index.html holds, renderPage returns a page whose
// head opens with the CSP, or an error that is not a pwagen bug; it never
// panics. The seeds in testdata/fuzz/FuzzPage hold issue 12's pages. CI runs
// go test ./packager -run='^$' -fuzz=FuzzPage -fuzztime=10s
func FuzzPage(f *testing.F) {
	f.Add([]byte("<!doctype html><html><head><title>x</title></head><body></body></html>"))
	f.Add([]byte("<!-- layout: <head> then <body> --><html><head></head></html>"))
	f.Add([]byte(`<html><head data-x=">"></head></html>`))
	b := pageBuild()
	f.Fuzz(func(t *testing.T, src []byte) {
		page, err := b.renderPage("index.html", src)
		if err != nil {
			if strings.Contains(err.Error(), "pwagen bug") {
				t.Fatal(err)
			}
			return
		}
		open, _ := headTags(page)
		if open < 0 || !bytes.HasPrefix(page[open:], []byte(`<meta http-equiv="Content-Security-Policy"`)) {
			t.Fatalf("the head does not open with the CSP: %q", page)
		}
	})
}
