package config

import (
	"strings"
	"testing"
)

func TestLibDefaults(t *testing.T) {
	for _, tt := range []struct{ app, want string }{
		{"Iris classifier", "iris-classifier"},
		{"  Café — Modèle 2!", "caf-mod-le-2"},
		{"日本語", "model"},
	} {
		if got := npmName(tt.app); got != tt.want {
			t.Errorf("npmName(%q) = %q, want %q", tt.app, got, tt.want)
		}
	}
	c, err := Parse("pwagen.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lib.Name != "iris-classifier" || c.Lib.Version != "0.1.0" {
		t.Fatalf("[lib] defaults: %+v, want iris-classifier 0.1.0", c.Lib)
	}
	c, err = Parse("pwagen.toml", []byte(good+"\n[lib]\nname = \"@acme/iris\"\nversion = \"1.2.0-beta.1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lib.Name != "@acme/iris" || c.Lib.Version != "1.2.0-beta.1" {
		t.Fatalf("[lib]: %+v", c.Lib)
	}
}

func TestLibErrors(t *testing.T) {
	for _, tt := range []struct{ lib, want string }{
		{`name = "Iris"`, `pwagen.toml:15: lib.name: "Iris" is not an npm package name`},
		{`name = "_iris"`, `lib.name: "_iris" is not an npm package name`},
		{`name = "@acme/"`, `is not an npm package name`},
		{`name = "` + strings.Repeat("a", 215) + `"`, `214 characters at most`},
		{`version = "1.0"`, `pwagen.toml:15: lib.version: "1.0" is not a semantic version`},
		{`version = "01.0.0"`, `is not a semantic version`},
		{`vesion = "1.0.0"`, `did you mean "lib.version"`},
	} {
		t.Run(tt.lib, func(t *testing.T) {
			_, err := Parse("pwagen.toml", []byte(good+"\n[lib]\n"+tt.lib+"\n"))
			if err == nil {
				t.Fatalf("accepted; want %q", tt.want)
			}
			msg := err.Error()
			if e, ok := err.(*Error); ok && e.Suggestion != "" {
				msg += "\nnote: did you mean \"" + e.Suggestion + "\"?"
			}
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("got %v, want %q", msg, tt.want)
			}
		})
	}
}
