// Package config reads pwagen.toml strictly: an unknown or mistyped key is an
// error that names the file, the line and the key, with a suggestion.
package config
