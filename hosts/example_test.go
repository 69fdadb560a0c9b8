package hosts_test

import (
	"fmt"
	"sort"

	"github.com/pwagen/pwagen/hosts"
)

func ExampleRules() {
	rules, err := hosts.Rules(hosts.Spec{Isolation: "none", Files: []hosts.File{
		{Name: "index.html"}, {Name: "sw.js"}, {Name: "app-1a2b3c4d.js", Hashed: true},
		{Name: "model-1a2b3c4d.wasm", Hashed: true},
	}})
	if err != nil {
		panic(err)
	}
	for _, r := range rules {
		fmt.Println(r.Pattern, len(r.Headers))
	}
	// Output:
	// /* 4
	// /*.html 2
	// /*.js 1
	// /*.wasm 2
	// / 1
	// /app-1a2b3c4d.js 1
	// /sw.js 1
}

func ExampleWrite() {
	spec := hosts.Spec{Isolation: "service-worker", Files: []hosts.File{{Name: "index.html"}, {Name: "sw.js"}}}
	rules, _ := hosts.Rules(spec)
	inOut, beside, err := hosts.Write(rules, spec, []string{"netlify", "nginx", "github-pages"})
	if err != nil {
		panic(err)
	}
	for _, m := range []map[string][]byte{inOut, beside} {
		var names []string
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Println(names)
	}
	// Output:
	// [.nojekyll _headers]
	// [nginx.conf]
}

func ExampleNames() {
	fmt.Println(hosts.Names())
	// Output:
	// [netlify cloudflare vercel firebase azure nginx apache caddy github-pages s3-cloudfront]
}
