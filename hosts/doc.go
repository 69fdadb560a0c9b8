// Package hosts turns one list of response-header rules into the
// configuration of every static host pwagen supports, so that a packaged app
// gets the same headers on Netlify, Cloudflare Pages, Vercel, Firebase,
// Azure Static Web Apps, nginx, Apache, Caddy, GitHub Pages and S3+CloudFront.
//
// # Rules
//
// [Rules] derives the rule list from the package ([Spec]); [HeadersFor]
// answers what a well-configured host sends for one URL path (used by
// `pwagen serve`); [Write] renders the host files.
//
// A rule's Pattern is one of:
//
//	/*          every path
//	/dir/*      every path under /dir/ (any depth)
//	/*.ext      every path whose name ends in .ext (any depth)
//	/exact/path one path; "/" is the site root
//
// [Rules] gives each file its Cache-Control through as few rules as it can,
// grouping by folder or by extension (see its doc), so that the list stays
// within Cloudflare Pages' 100 rules and Azure's 20 KB for any number of
// files kept in folders apart from the hashed ones.
//
// The headers of a path are the union of the headers of every rule that
// matches it. No two rules that can match the same path may set the same
// header: Netlify and Cloudflare join such duplicates with a comma, Azure
// applies only the first matching route, and Vercel and Firebase keep the
// last one, so only disjoint rules mean the same thing everywhere. Write
// checks this. Content-Type is set by extension only (a "/*.ext" rule),
// since every host maps extensions to types; a path ending in "/" gets the
// Content-Type of its index.html.
package hosts
