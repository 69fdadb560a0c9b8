// Package packager turns a pwagen project into a deployable folder, through a
// pipeline of small stages that share one *Build and touch the disk only at
// the end.
package packager
