package digits_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// workboxVersion is the Workbox of the offline test: a test-time npm tool.
const workboxVersion = "7.4.0"

// workboxFiles installs Workbox's service worker builds with npm into the
// user's cache folder, once, and returns them by file name. Without npm
// the test skips, unless CI=true.
func workboxFiles(t *testing.T) map[string][]byte {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and CI=true: install npm (apt-get install -y npm)", why)
		}
		t.Skipf("%s; install npm (apt-get install -y npm) to test pwagen-sw.js with Workbox (CI=true makes this a failure)", why)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		skip("npm not found")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "pwagen-test", "workbox-"+workboxVersion)
	pkgs := []string{"workbox-sw", "workbox-core", "workbox-routing", "workbox-strategies"}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "workbox-strategies", "build")); err != nil {
		os.MkdirAll(dir, 0o755)
		args := []string{"install", "--no-audit", "--no-fund", "--prefix", dir}
		for _, p := range pkgs {
			args = append(args, p+"@"+workboxVersion)
		}
		if out, err := exec.Command(npm, args...).CombinedOutput(); err != nil {
			skip("npm install workbox@" + workboxVersion + " failed: " + err.Error() + "\n" + string(out))
		}
	}
	files := map[string][]byte{}
	for _, p := range pkgs {
		m, _ := filepath.Glob(filepath.Join(dir, "node_modules", p, "build", "*.js"))
		for _, f := range m {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			files["workbox/"+filepath.Base(f)] = data
		}
	}
	if files["workbox/workbox-sw.js"] == nil || files["workbox/workbox-routing.prod.js"] == nil {
		t.Fatalf("%s: Workbox's builds are missing", dir)
	}
	return files
}

// workboxSW is an app's Workbox service worker that routes the library's
// files itself, through pwagen-sw.js's match and handle (docs/lib.md).
const workboxSW = `self.pwagenLibManual = true;
importScripts('LIB/pwagen-sw.js');
importScripts('/workbox/workbox-sw.js');
workbox.setConfig({ modulePathPrefix: '/workbox/', debug: false });
workbox.core.clientsClaim();
workbox.core.skipWaiting();
const lib = self.pwagenLib['NAME'];
workbox.routing.registerRoute(lib.match, lib);
workbox.routing.registerRoute(({ url }) => url.origin === location.origin, new workbox.strategies.NetworkFirst({ cacheName: 'app' }));
`

// TestLibWorkboxOffline: an app whose service worker is Workbox's, routing
// the package's files through pwagen-sw.js, reloads offline with the
// model's .wasm from pwagen-sw.js's cache and its weights from IndexedDB.
func TestLibWorkboxOffline(t *testing.T) {
	dir, b := packagedLib(t)
	wb := workboxFiles(t)
	nv := LoadNative(t)
	lib := serveLib(t, dir, b)
	libURL := lib.URL + "/"
	files := consumerFiles(t, b, libURL, "")
	files["sw.js"] = []byte(strings.NewReplacer("LIB", lib.URL, "NAME", b.Config.Lib.Name).Replace(workboxSW))
	for n, d := range wb {
		files[n] = d
	}
	consumer := serveConsumer(t, files, false)
	ctx := browsertest.New(t)
	watchErrors(t, ctx)

	openConsumer(t, ctx, consumer.URL+"/")
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller !== null`, `'not controlled'`, 60*time.Second)
	openConsumer(t, ctx, consumer.URL+"/") // under Workbox now: the page and app.js go into its cache
	online := classifyConsumer(t, ctx, nv, 20)
	compareWithNative(t, nv, online, 20)

	lib.Close()
	consumer.Close()
	openConsumer(t, ctx, consumer.URL+"/")
	offline := classifyConsumer(t, ctx, nv, libDigits)
	if offline.WeightsFrom != "indexeddb" {
		t.Errorf("offline: weights from %q, want indexeddb", offline.WeightsFrom)
	}
	compareWithNative(t, nv, offline, libDigits)
	checkNoErrors(t, ctx)
}
