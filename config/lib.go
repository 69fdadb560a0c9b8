package config

import (
	"regexp"
	"strings"
)

// npmNameRe is npm's rule for a package name: lower case, URL-safe, an
// optional @scope/, not starting with . or _ (214 characters at most).
var npmNameRe = regexp.MustCompile(`^(@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$`)

// semverRe is a semantic version: MAJOR.MINOR.PATCH, an optional
// -prerelease and +build.
var semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// checkLib fills and checks [lib]: the npm name and version.
func (c *Config) checkLib(bad func(key, format string, args ...any) error) error {
	if c.Lib.Name == "" {
		c.Lib.Name = npmName(c.App.Name)
	} else if len(c.Lib.Name) > 214 || !npmNameRe.MatchString(c.Lib.Name) {
		return bad("lib.name", "%q is not an npm package name; use lower-case letters, digits, - . _ ~ and an optional @scope/, such as \"digits\" or \"@acme/digits\" (214 characters at most)", c.Lib.Name)
	}
	if c.Lib.Version == "" {
		c.Lib.Version = "0.1.0"
	} else if len(c.Lib.Version) > 256 || !semverRe.MatchString(c.Lib.Version) {
		return bad("lib.version", "%q is not a semantic version; write MAJOR.MINOR.PATCH, such as \"1.0.0\" or \"1.2.0-beta.1\"", c.Lib.Version)
	}
	return nil
}

// npmName turns an app name into an npm name: "Handwritten digits" →
// "handwritten-digits"; "model" when nothing usable is left.
func npmName(app string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(app) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 214 {
		s = strings.TrimRight(s[:214], "-")
	}
	if s == "" {
		return "model"
	}
	return s
}
