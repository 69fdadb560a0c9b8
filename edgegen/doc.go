// Package edgegen builds edge executables (pwagen package --edge): it
// generates a small Go module that embeds the model, its weights and the
// packaged app, and builds it with the user's Go toolchain per platform.
package edgegen
