package main

// main is required by the c-shared build mode and is never run: the loader
// calls the exported pwagen_* functions instead.
func main() {}
