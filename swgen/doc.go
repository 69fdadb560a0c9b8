// Package swgen writes the service worker that keeps a pwagen app available
// offline: a parallel precache of the app shell, the model cached on first
// use, offline navigations, prompted updates and cross-origin isolation for
// hosts that cannot send headers.
package swgen
