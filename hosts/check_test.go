package hosts

import (
	"strings"
	"testing"
)

func TestCheckErrors(t *testing.T) {
	for _, tt := range []struct {
		name      string
		hosts     []string
		isolation string
		want      string // substring of the error, "" for none
	}{
		{"all hosts, none", nil, "none", ""},
		{"every host by name", Names(), "service-worker", ""},
		{"typo", []string{"netlfy"}, "none", `deploy.hosts: "netlfy" is not a host pwagen knows; did you mean "netlify"?`},
		{"alias", []string{"cloudfront"}, "none", `did you mean "s3-cloudfront"?`},
		{"alias httpd", []string{"httpd"}, "none", `did you mean "apache"?`},
		{"prefix", []string{"github"}, "none", `did you mean "github-pages"?`},
		{"nonsense", []string{"heroku"}, "none", `"heroku" is not a host pwagen knows; use one of "netlify"`},
		{"twice", []string{"nginx", "nginx"}, "none", `"nginx" is listed twice`},
		{"bad isolation", nil, "header", `deploy.isolation: "header" is not a valid isolation mode; did you mean "headers"?`},
		{"headers on github pages", []string{"netlify", "github-pages"}, "headers", `deploy.hosts: "github-pages" cannot set response headers, so isolation = "headers" (COOP/COEP) cannot work there; set isolation = "service-worker"`},
		{"headers on all hosts", nil, "headers", ""}, // nil is checked by Write, which expands it
		{"service worker on github pages", []string{"github-pages"}, "service-worker", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.hosts, tt.isolation)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	ok := Spec{Files: fixtureFiles, Isolation: "none"}
	okRules, _ := Rules(ok)
	// Stable names beside a hashed one of the same extension, at the top
	// level: neither a folder nor an extension can group them.
	manyStable := Spec{Isolation: "none", Files: append(folder("page%03d.js", 100, false), File{"app-1a2b3c4d.js", true})}
	manyRules, _ := Rules(manyStable)
	longValue := append([]Rule{}, okRules...)
	longValue[0] = Rule{"/*", append(append([]Header{}, okRules[0].Headers...), Header{"X-Long", strings.Repeat("a", 2000)})}
	bigAzure := Spec{Isolation: "none", Files: append(folder("stable-page-%03d.js", 400, false), File{"app-1a2b3c4d.js", true})}
	bigAzureRules, _ := Rules(bigAzure)
	for _, tt := range []struct {
		name  string
		rules []Rule
		spec  Spec
		hosts []string
		want  string
	}{
		{"headers isolation, all hosts", okRules, Spec{Files: fixtureFiles, Isolation: "headers"}, nil, ""},
		{"headers isolation, github pages named", okRules, Spec{Files: fixtureFiles, Isolation: "headers"}, []string{"vercel", "github-pages"}, `"github-pages" cannot set response headers`},
		{"threads, all hosts", okRules, Spec{Files: fixtureFiles, Isolation: "none", Threads: true}, nil, ""},
		{"threads on github pages", okRules, Spec{Files: fixtureFiles, Isolation: "none", Threads: true}, []string{"github-pages"}, `cannot set the COOP/COEP headers that a model with threads needs; set isolation = "service-worker"`},
		{"cloudflare rule limit", manyRules, manyStable, []string{"cloudflare"}, "cloudflare: _headers has 104 rules, 4 over Cloudflare Pages' limit of 100; 101 rules are for single files, 101 of them in the top level"},
		{"netlify has no rule limit", manyRules, manyStable, []string{"netlify"}, ""},
		{"cloudflare line limit", longValue, ok, []string{"cloudflare"}, "over Cloudflare Pages' limit of 2000 a line"},
		{"azure size limit", bigAzureRules, bigAzure, []string{"azure"}, "over Azure Static Web Apps' limit of 20480 bytes (20 KB); 401 rules are for single files, 401 of them in the top level"},
		{"overlapping rules", append(append([]Rule{}, okRules...), Rule{"/weights/*", []Header{{"Cache-Control", "no-store"}}}), ok, []string{"nginx"},
			"rules 2 (/*.bin) and 13 (/weights/*) both set Cache-Control for paths such as /weights/x.bin"},
		{"content type on a path", append(append([]Rule{}, okRules...), Rule{"/weights/*", []Header{{"Content-Type", "text/plain"}}}), ok, nil,
			"Content-Type is set by extension only"},
		{"bad pattern", append(append([]Rule{}, okRules...), Rule{"/a/*.js", []Header{{"X-A", "b"}}}), ok, nil, "is not /*, /dir/*, /*.ext or an exact path"},
		{"duplicate pattern", append(append([]Rule{}, okRules...), Rule{"/sw.js", []Header{{"X-A", "b"}}}), ok, nil, "the pattern is already rule 12; merge the two rules"},
		{"quote in a value", []Rule{{"/*", []Header{{"X-A", `say "hi"`}}}}, ok, nil, `header X-A has '"' in its value`},
		{"newline in a value", []Rule{{"/*", []Header{{"X-A", "a\nb"}}}}, ok, nil, `header X-A has '\n' in its value`},
		{"s3 per-path header", append(append([]Rule{}, okRules...), Rule{"/weights/*", []Header{{"X-Robots-Tag", "noindex"}}}), ok, []string{"s3-cloudfront"},
			"s3-cloudfront: rule /weights/* sets X-Robots-Tag, but S3 objects carry only Content-Type and Cache-Control"},
		{"azure overlapping routes", append(append([]Rule{}, okRules...), Rule{"/weights/*", []Header{{"X-Robots-Tag", "noindex"}}}), ok, []string{"azure"},
			"azure: routes /*.bin and /weights/* both match paths such as /weights/x.bin, and Azure applies only the first matching route"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Write(tt.rules, tt.spec, tt.hosts)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
		})
	}
}

func TestRulesErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec Spec
		want string
	}{
		{"isolation", Spec{Isolation: "coop"}, `deploy.isolation: "coop" is not a valid isolation mode`},
		{"empty isolation", Spec{}, `deploy.isolation: "" is not a valid isolation mode; use one of "none", "headers", "service-worker"`},
		{"leading slash", Spec{Isolation: "none", Files: []File{{Name: "/index.html"}}}, `must be relative to OUT`},
		{"dot dot", Spec{Isolation: "none", Files: []File{{Name: "a/../b.js"}}}, `has an empty, . or .. segment`},
		{"space", Spec{Isolation: "none", Files: []File{{Name: "my app.js"}}}, `has the character ' '`},
		{"quote", Spec{Isolation: "none", Files: []File{{Name: `a'b.js`}}}, `has the character '\''`},
		{"twice", Spec{Isolation: "none", Files: []File{{Name: "a.js"}, {Name: "a.js"}}}, `file "a.js" is listed twice`},
		{"upper-case extension", Spec{Isolation: "none", Files: []File{{Name: "icon.PNG"}}}, `has an upper-case extension; rename it to lower case`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rules(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAllHostsLeaveOutGitHubPagesForHeaders(t *testing.T) {
	for _, s := range []Spec{
		{Files: fixtureFiles, Isolation: "headers"},
		{Files: fixtureFiles, Isolation: "none", Threads: true},
	} {
		rules, _ := Rules(s)
		inOut, _, err := Write(rules, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := inOut[".nojekyll"]; ok {
			t.Errorf("%+v: github-pages written, but it cannot send COOP/COEP", s.Isolation)
		}
		if _, ok := inOut["_headers"]; !ok {
			t.Errorf("%+v: the other hosts are missing", s.Isolation)
		}
	}
}

// TestHostTable: every host is named once, and GitHub Pages alone cannot
// set headers.
func TestHostTable(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] {
			t.Errorf("%s listed twice", n)
		}
		seen[n] = true
		if got, want := CanSetHeaders(n), n != "github-pages"; got != want {
			t.Errorf("CanSetHeaders(%s) = %v", n, got)
		}
	}
	if CanSetHeaders("geocities") {
		t.Error("an unknown host can set headers")
	}
}
