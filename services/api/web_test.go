package main

// The web UI in a real browser: Debian's chromium, headless, driven by chromedp, against the real
// shelf-api and shelf-worker binaries built from this tree, on one temporary data folder with the
// sample library. Screenshots of every page are kept as test artefacts ($SHELF_ARTIFACTS_DIR, by
// default artifacts/screenshots/ at the repository root).

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/servicetest"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/titledb"
)

const (
	// uiDeadline bounds each wait for the page or a service: generous, because a shared 2-core
	// machine may be slow, and the test checks behaviour, not speed.
	uiDeadline = 90 * time.Second
	uiToken    = "web-ui-test-token"
	// sampleTitle is a title of the sample library.
	sampleTitle = "0100A1B2C3D40000"
	// templateField is the API's path of the base template, the key of its form field.
	templateField = "library.management.organizer.templates.base"
)

func TestWebUIInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the services and drives chromium; skipped with -short")
	}
	chromium := findChromium(t)
	bins := servicetest.Build(t, "api", "worker")

	base := t.TempDir()
	data, library := filepath.Join(base, "data"), filepath.Join(base, "library")
	require.NoError(t, os.MkdirAll(data, 0o755))
	writeSampleLibrary(t, library)
	servicetest.WriteSettings(t, filepath.Join(data, "settings.yaml"), library, 2)

	env := []string{"SHELF_DATA_DIR=" + data, "SHELF_DATABASE_URL=" + storetest.NewDSN(t)}
	apiAddr, workerAddr := servicetest.FreeAddr(t), servicetest.FreeAddr(t)
	// A sample a second, so the Health page's charts have data within seconds of the tasks.
	servicetest.Start(t, bins, "api", append(env, "SHELF_HTTP_ADDR="+apiAddr, "SHELF_API_TOKEN="+uiToken, "SHELF_HISTORY_INTERVAL=1s")...)
	servicetest.Start(t, bins, "worker", append(env, "SHELF_METRICS_ADDR="+workerAddr, "SHELF_GRACE_PERIOD=1s")...)
	apiURL, workerMetrics := "http://"+apiAddr, "http://"+workerAddr+"/metrics"
	eventually.Holds(t, uiDeadline, "the api to be ready", func() bool { return servicetest.HTTPStatus(apiURL+"/readyz") == http.StatusOK })
	eventually.Holds(t, uiDeadline, "the worker to be ready", func() bool { return servicetest.HTTPStatus("http://"+workerAddr+"/readyz") == http.StatusOK })

	b := openBrowser(t, chromium, apiURL)
	var fanoutID string

	t.Run("asks for the token once and enqueues a fan-out whose progress bar reaches 100 %", func(t *testing.T) {
		b.open(t, "#/tasks", "#task-list")
		b.click(t, "#enqueue > summary")
		b.setValue(t, "#enqueue-name", "fanout", "change")
		b.setValue(t, "#enqueue-args", `{"children": 40, "child": {"name": "sleep", "args": {"seconds": 0.02}}}`, "input")
		b.click(t, "#enqueue-submit")

		// No token yet: the api answers 401 and the page asks for it, then sends the task.
		b.waitFor(t, "the token dialog", `document.querySelector("#token-dialog").open`)
		b.sendKeys(t, "#token-input", uiToken)
		b.click(t, "#token-save")
		b.waitFor(t, "the enqueued task's link", `!!document.querySelector("#enqueued-link")`)
		id := b.eval(t, `document.querySelector("#enqueued-link").dataset.taskId`)
		fanoutID = id
		require.Equal(t, uiToken, b.eval(t, `localStorage.getItem("shelf.apiToken")`), "the token is kept in the browser")

		row := fmt.Sprintf(`tr[data-task-id="%s"]`, id)
		b.waitFor(t, "the fan-out's progress bar in the list to reach 100 %",
			fmt.Sprintf(`document.querySelector('%s .progress')?.getAttribute("aria-valuenow") === "100"`, row))
		require.Equal(t, "40", b.eval(t, fmt.Sprintf(`document.querySelector('%s .progress').dataset.total`, row)))
		b.screenshot(t, "tasks")

		b.open(t, "#/tasks/"+id, "#task-head")
		b.waitFor(t, "the task page to show the fan-out completed with 40 children",
			`document.querySelector("#task-head .badge")?.dataset.status === "completed" &&
			 document.querySelector("#task-progress .progress")?.getAttribute("aria-valuenow") === "100" &&
			 document.querySelectorAll("#child-list tbody tr").length === 40`)
		require.Contains(t, b.eval(t, `document.querySelector("#task-result").textContent`), `"spawned": 40`)
		b.screenshot(t, "task")
	})

	t.Run("scan now fills the library with titles and unidentified files", func(t *testing.T) {
		b.open(t, "#/library", "#scan-now")
		b.click(t, "#scan-now")
		b.waitFor(t, "the scan's task link", `!!document.querySelector("#scan-result a")`)
		b.waitFor(t, "the sample titles and the unidentified files",
			fmt.Sprintf(`!!document.querySelector('.title-card[data-title-id="%s"]') &&
			 document.querySelectorAll("#unidentified-list tbody tr").length === %d`, sampleTitle, len(pipelinetest.Unidentifiable)))
		b.screenshot(t, "library")

		b.setValue(t, "#library-search", "lumen", "input")
		b.waitFor(t, "the search to keep one title", `document.querySelectorAll(".title-card").length === 1`)
		require.Equal(t, sampleTitle, b.eval(t, `document.querySelector(".title-card").dataset.titleId`))
	})

	t.Run("keys uploaded on the keys page identify a file by its content", func(t *testing.T) {
		// Random test keys and an update of the sample title whose name claims the base game.
		rng := rand.New(rand.NewPCG(11, 12))
		enc := &contenttest.Encoder{Keys: contenttest.NewKeys(rng, 0, 1, 2), Rand: rng}
		baseID, err := strconv.ParseUint(sampleTitle, 16, 64)
		require.NoError(t, err)
		upd := contenttest.App{ID: baseID | 0x800, BaseID: baseID, Type: contenttest.Patch, Version: 65536, Generation: 2}
		require.NoError(t, os.WriteFile(filepath.Join(library, "Lumen Drift ["+sampleTitle+"][v65536].nsp"), enc.NSP(upd), 0o644))
		keysFile := filepath.Join(t.TempDir(), "prod.keys")
		require.NoError(t, os.WriteFile(keysFile, enc.Keys.Text(), 0o600))

		b.open(t, "#/keys", "#keys-file")
		b.waitFor(t, "the status without a keys file", `document.querySelector("#keys-state")?.textContent.startsWith("No keys file")`)
		b.do(t, chromedp.SetUploadFiles(chromedp.CSS("#keys-file"), []string{keysFile}))
		b.click(t, "#keys-upload")
		b.waitFor(t, "the uploaded keys to be valid", `document.querySelector("#keys-state")?.textContent.startsWith("Valid") &&
			document.querySelector("#keys-master")?.textContent === "master_key_00, master_key_01, master_key_02"`)
		b.screenshot(t, "keys")
		page := strings.ToLower(b.eval(t, `document.documentElement.outerHTML`))
		require.NotContains(t, page, hex.EncodeToString(enc.Keys.HeaderKey[:8]), "the page shows no key")

		b.open(t, "#/library", "#scan-now")
		b.click(t, "#scan-now")
		b.waitFor(t, "the file identified by content, with the disagreement noted",
			`[...document.querySelectorAll("#noted-list tbody tr")].some((tr) => tr.textContent.includes("cnmt") &&
			 tr.textContent.includes("name and content disagree"))`)
		b.screenshot(t, "library-notes")
	})

	t.Run("worker slots changed in the settings page reach the worker", func(t *testing.T) {
		require.Equal(t, 2.0, servicetest.Gauge(t, workerMetrics, "shelf_worker_slots"))
		b.open(t, "#/settings", "#worker-slots")
		b.waitFor(t, "the template preview", `document.querySelector("#preview-base code")?.textContent.includes("Lumen Drift")`)
		b.screenshot(t, "settings")
		b.setValue(t, "#worker-slots", "5", "input")
		b.click(t, "#settings-save")
		b.waitFor(t, "the settings to be saved", `document.querySelector("#settings-saved")?.textContent.startsWith("Saved")`)
		eventually.Holds(t, uiDeadline, "shelf_worker_slots to become 5", func() bool { return servicetest.Gauge(t, workerMetrics, "shelf_worker_slots") == 5 })

		b.open(t, "#/health", "#health-summary")
		b.waitFor(t, "the health page to show one worker with 5 slots",
			`document.querySelector("#slots-total")?.textContent === "5" && document.querySelectorAll("#worker-rows tr").length === 1`)
		// The fan-out above completed 41 tasks (itself and 40 children) and the scans more: the
		// throughput chart counts them in green bars, and the depth line has a point a sample.
		b.waitFor(t, "the charts to show the tasks that ran",
			`Number(document.querySelector("#chart-throughput")?.dataset.completed) >= 41 &&
			 document.querySelectorAll("#chart-throughput rect.bar-completed").length > 0 &&
			 Number(document.querySelector("#chart-depth")?.dataset.samples) > 1 &&
			 /^M[0-9.]+ [0-9.]+L/.test(document.querySelector("#chart-depth path.line-depth")?.getAttribute("d") || "")`)
		charts := b.eval(t, `document.querySelector("#throughput-box").innerHTML + document.querySelector("#depth-box").innerHTML`)
		require.NotContains(t, charts, "NaN")
		require.NotContains(t, charts, "Infinity")
		b.screenshot(t, "health")
	})

	t.Run("a bad organizer template shows the API's error next to its field", func(t *testing.T) {
		b.open(t, "#/settings", "#template-base")
		b.setValue(t, "#template-base", "{titleName}/{noSuchPlaceholder}", "input")
		// The live preview marks it while typing; Save gets the same 422 from PUT /api/settings.
		fieldError := fmt.Sprintf(`document.querySelector('.field[data-field="%s"] > .field-error')`, templateField)
		b.waitFor(t, "the preview to mark the template", fieldError+`?.textContent.includes("noSuchPlaceholder")`)
		b.click(t, "#settings-save")
		b.waitFor(t, "Save to mark the template",
			fmt.Sprintf(`document.querySelector('.field[data-field="%s"]').classList.contains("invalid") &&
			 %s.textContent.includes("unknown placeholder") && document.querySelector("#settings-saved").textContent === ""`, templateField, fieldError))
		require.Equal(t, "", b.eval(t, `document.querySelector("#settings-error").textContent`), "the error is at the field, not only at the top")
		b.screenshot(t, "settings-error")
	})

	t.Run("readable on a phone", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		defer b.do(t, chromedp.EmulateReset())
		for _, page := range []struct{ route, ready, name string }{
			{"#/tasks", "#task-rows tr", "tasks-phone"},
			{"#/library", ".title-card", "library-phone"},
			{"#/health", "#chart-throughput rect.bar-completed", "health-phone"},
			{"#/shop-setup", "#setup-tinfoil-table", "shop-setup-phone"},
		} {
			b.open(t, page.route, page.ready)
			require.Equal(t, "false", b.eval(t, `String(document.documentElement.scrollWidth > window.innerWidth + 1)`),
				"%s scrolls sideways on a phone", page.route)
			b.screenshot(t, page.name)
		}
	})

	t.Run("cancel, retry and purge finished", func(t *testing.T) {
		b.open(t, "#/tasks", "#task-list")
		b.click(t, "#enqueue > summary")
		b.setValue(t, "#enqueue-name", "sleep", "change")
		b.setValue(t, "#enqueue-args", `{"seconds": 600}`, "input")
		b.click(t, "#enqueue-submit")
		b.waitFor(t, "the enqueued task's link", `!!document.querySelector("#enqueued-link")`)
		id := b.eval(t, `document.querySelector("#enqueued-link").dataset.taskId`)

		b.open(t, "#/tasks/"+id, "#task-head")
		status := `document.querySelector("#task-head .badge")?.dataset.status`
		b.waitFor(t, "the sleep task to run", status+` === "running"`)
		b.click(t, `#task-head button[data-action="cancel"]`)
		b.waitFor(t, "the task to be cancelled", status+` === "cancelled"`)
		b.click(t, `#task-head button[data-action="retry"]`)
		b.waitFor(t, "the task to run again", status+` === "running"`)
		b.click(t, `#task-head button[data-action="cancel"]`)
		b.waitFor(t, "the task to be cancelled again", status+` === "cancelled"`)

		b.open(t, "#/tasks", fmt.Sprintf(`tr[data-task-id="%s"]`, fanoutID))
		b.eval(t, `(() => { window.confirm = () => true; return "" })()`) // the browser's own dialog can't be clicked
		b.click(t, "#purge-finished")
		b.waitFor(t, "the finished tasks to go from the list",
			fmt.Sprintf(`!document.querySelector('tr[data-task-id="%s"]') && !document.querySelector('tr[data-task-id="%s"]')`, fanoutID, id))
	})

	t.Run("the shop fieldset, the setup page and a console's download on the library page", func(t *testing.T) {
		b.open(t, "#/settings", "#shop-host")
		b.setValue(t, "#shop-host", "https://shop.example.com/", "input")
		b.setValue(t, "#shop-public-key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "input")
		b.click(t, "#settings-save")
		fieldError := func(field string) string {
			return fmt.Sprintf(`document.querySelector('.field[data-field="%s"] > .field-error')?.textContent`, field)
		}
		b.waitFor(t, "the host's and the key's errors beside them",
			fieldError("shop.host")+`?.includes("without scheme") && `+fieldError("shop.clients.tinfoil.public_key")+`?.includes("private key")`)
		b.screenshot(t, "settings-shop-errors")

		b.setValue(t, "#shop-host", "", "input")
		b.click(t, "#shop-tinfoil-key")
		b.setValue(t, "#shop-motd", "Hello, consoles", "input")
		b.click(t, "#shop-client-dbi")
		b.click(t, "#settings-save")
		b.waitFor(t, "the shop settings to be saved", `document.querySelector("#settings-saved")?.textContent.startsWith("Saved")`)
		require.Equal(t, "false", b.eval(t, `String(document.querySelector("#shop-client-dbi").checked)`), "the saved form shows DBI off")
		require.Equal(t, "Hello, consoles", b.eval(t, `document.querySelector("#shop-motd").value`))
		require.Equal(t, "true", b.eval(t, `String(document.querySelector("#shop-public-key").value.startsWith("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvPdrJigQ0rZAy"))`),
			"Tinfoil's published key is saved")

		b.click(t, "#shop-setup-link")
		b.waitFor(t, "the setup page", `!!document.querySelector("#setup-tinfoil-table")`)
		host, port, _ := strings.Cut(strings.TrimPrefix(apiURL, "http://"), ":")
		for id, want := range map[string]string{"#tinfoil-protocol": "http", "#tinfoil-host": host, "#tinfoil-port": port,
			"#tinfoil-path": "/", "#cyberfoil-host": host, "#sphaira-url": "http://" + host + "/", "#setup-base-url": apiURL + "/"} {
			require.Equal(t, want, b.eval(t, fmt.Sprintf(`document.querySelector(%q).textContent`, id)), id)
		}
		require.Equal(t, "shelf=ApacheHTTP|"+apiURL+"/", b.eval(t, `document.querySelector("#dbi-line").textContent`))
		require.Equal(t, "true", b.eval(t, `String(!!document.querySelector("#setup-dbi-off") && !document.querySelector("#setup-tinfoil-off"))`),
			"the page says DBI is switched off")
		require.Equal(t, "true", b.eval(t, `String(!!document.querySelector("#setup-localhost"))`), "127.0.0.1 is no address for a console")
		b.screenshot(t, "shop-setup")

		// Tinfoil at the address the page gives gets the encrypted index; CyberFoil the index
		// with the message, then a download.
		console := func(agent string) func(r *http.Request) {
			return func(r *http.Request) {
				for k, v := range map[string]string{"Theme": "0f4d", "Uid": "6f3c", "Version": "18.0", "Revision": "0",
					"Language": "en", "Hauth": "A6C2", "Uauth": "3F7A", "User-Agent": agent} {
					r.Header.Set(k, v)
				}
			}
		}
		tinfoil, cyberfoil := console(""), console("CyberFoil/1.4.0")
		require.Equal(t, "TINFOIL", string(getBody(t, apiURL+"/", tinfoil)[:7]), "the encrypted index")
		var idx struct {
			Files []struct {
				URL string `json:"url"`
			} `json:"files"`
			Success string `json:"success"`
		}
		getJSON(t, apiURL+"/", cyberfoil, &idx)
		require.Equal(t, "Hello, consoles", idx.Success)
		require.NotEmpty(t, idx.Files)
		path, name, _ := strings.Cut(idx.Files[0].URL, "#")
		require.Equal(t, http.StatusOK, statusWith(t, apiURL+path, cyberfoil))
		dbi := func(r *http.Request) { r.Header.Set("User-Agent", "DBI/658") }
		require.Equal(t, http.StatusForbidden, statusWith(t, apiURL+"/", dbi), "DBI is switched off")

		b.open(t, "#/library", "#downloads")
		b.waitFor(t, "the download on the library page", `document.querySelector("#downloads-list tbody tr td.num")?.textContent === "1"`)
		shown := b.eval(t, `document.querySelector("#downloads-list tbody tr td").textContent`)
		require.Equal(t, name, url.PathEscape(shown))
		b.screenshot(t, "library-downloads")
	})

	// Last: once a user exists, the api needs one.
	t.Run("the first admin, sign-in, users and API tokens", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(1280, 1000)) // EmulateReset after the phone does not restore it
		b.open(t, "#/setup", "#setup-form")
		require.Equal(t, "false", b.eval(t, `String(document.querySelector("#open-banner").classList.contains("hidden"))`),
			"the banner says that no user exists")
		b.setValue(t, "#setup-user", "admin", "input")
		b.setValue(t, "#setup-password", "admin-password", "input")
		b.setValue(t, "#setup-again", "admin-password", "input")
		b.screenshot(t, "setup")
		b.click(t, "#setup-submit")
		b.waitFor(t, "the users page with the admin", `!!document.querySelector('#users-table tr[data-user="admin"]')`)
		require.Equal(t, "null", b.eval(t, `String(localStorage.getItem("shelf.apiToken"))`), "the session replaces the stored token")
		require.Equal(t, "admin", b.eval(t, `document.querySelector("#user-name").textContent`))
		require.Equal(t, "true", b.eval(t, `String(document.querySelector("#open-banner").classList.contains("hidden"))`))
		require.Equal(t, http.StatusUnauthorized, servicetest.HTTPStatus(apiURL+"/api/tasks"), "the api now needs a user")

		b.setValue(t, "#user-add-name", "switch", "input")
		b.setValue(t, "#user-add-password", "switch-password", "input")
		b.click(t, "#user-add-submit")
		row := `#users-table tr[data-user="switch"]`
		b.waitFor(t, "the new user in the list", fmt.Sprintf(`!!document.querySelector('%s')`, row))
		require.Equal(t, "admin=false shop=true backup=false", b.eval(t, fmt.Sprintf(
			`[...document.querySelectorAll('%s input[data-role]')].map((c) => c.dataset.role + "=" + c.checked).join(" ")`, row)))
		b.screenshot(t, "users")
		require.Equal(t, http.StatusOK, statusWith(t, apiURL+"/api/shop", func(r *http.Request) { r.SetBasicAuth("switch", "switch-password") }))

		b.open(t, "#/account", "#token-create")
		b.setValue(t, "#token-name", "tinfoil", "input")
		b.click(t, "#token-create-submit")
		b.waitFor(t, "the new token's secret", `!!document.querySelector("#token-secret") && !!document.querySelector("#tokens-table")`)
		secret := b.eval(t, `document.querySelector("#token-secret").textContent`)
		bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret) }
		require.Equal(t, http.StatusOK, statusWith(t, apiURL+"/api/tasks", bearer), "the admin's token acts as the admin")
		b.screenshot(t, "account")
		b.eval(t, `(() => { window.confirm = () => true; return "" })()`)
		b.click(t, `#tokens-table button[data-action="revoke"]`)
		b.waitFor(t, "the token to be gone", `!!document.querySelector("#tokens-none")`)
		require.Equal(t, http.StatusUnauthorized, statusWith(t, apiURL+"/api/tasks", bearer))

		b.click(t, "#logout-button")
		b.waitFor(t, "the login page", `!!document.querySelector("#login-form")`)
		b.setValue(t, "#login-user", "switch", "input")
		b.setValue(t, "#login-password", "wrong-password", "input")
		b.click(t, "#login-submit")
		b.waitFor(t, "the login error", `document.querySelector("#login-error").textContent.includes("Wrong")`)
		b.screenshot(t, "login")
		b.setValue(t, "#login-password", "switch-password", "input")
		b.click(t, "#login-submit")
		b.waitFor(t, "the library, signed in as the shop user",
			`document.querySelector("#user-name")?.textContent === "switch" && location.hash === "#/library" && !!document.querySelector(".title-card")`)
		require.Equal(t, "true", b.eval(t, `String(document.querySelector('#nav a[data-route="tasks"]').classList.contains("hidden"))`),
			"a shop user sees no admin pages")
		b.open(t, "#/users", "#users-list .form-error")
		require.Contains(t, b.eval(t, `document.querySelector("#users-list .form-error").textContent`), "admin role")

		b.open(t, "#/account", "#password-form")
		b.setValue(t, "#password-current", "switch-password", "input")
		b.setValue(t, "#password-new", "switch-password-2", "input")
		b.click(t, "#password-submit")
		eventually.Holds(t, uiDeadline, "the new password to work for Basic", func() bool {
			return statusWith(t, apiURL+"/api/shop", func(r *http.Request) { r.SetBasicAuth("switch", "switch-password-2") }) == http.StatusOK
		})
		require.Equal(t, http.StatusUnauthorized, statusWith(t, apiURL+"/api/shop", func(r *http.Request) { r.SetBasicAuth("switch", "switch-password") }))
		b.open(t, "#/library", ".title-card") // the session that changed it stays signed in
	})

	b.requireNoExceptions(t)
}

// getBody GETs url with edit applied to the request and returns its 200 answer's body.
func getBody(t *testing.T, url string, edit func(*http.Request)) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	edit(req)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// getJSON GETs url with edit applied to the request and decodes its 200 answer into v.
func getJSON(t *testing.T, url string, edit func(*http.Request), v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(getBody(t, url, edit), v))
}

// statusWith GETs url with edit applied to the request and returns the status.
func statusWith(t *testing.T, url string, edit func(*http.Request)) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	edit(req)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// browser is one headless chromium tab on the UI, with what the page logged.
type browser struct {
	ctx  context.Context
	base string

	mu         sync.Mutex
	exceptions []string
}

func openBrowser(t *testing.T, chromium, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it must not have a timeout (that would stop the browser).
	require.NoError(t, chromedp.Do(ctx), "starting %s", chromium)
	b := &browser{ctx: ctx, base: base}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.exceptions = append(b.exceptions, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions with uiDeadline, saving a screenshot of the page when they fail.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiDeadline)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.failed(t, "browser: %v", err)
	}
}

// open shows a route and waits for an element of the page to be there.
func (b *browser) open(t *testing.T, route, ready string) {
	t.Helper()
	b.do(t, chromedp.Navigate(b.base+"/"+route))
	b.waitFor(t, "the page "+route, fmt.Sprintf(`!!document.querySelector(%q)`, ready))
}

// click clicks the element in the middle of the viewport: chromedp scrolls it only just into
// view, where on a phone a toast (fixed at the bottom) may cover it and take the click.
func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	b.waitFor(t, sel, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	b.eval(t, fmt.Sprintf(`(() => { document.querySelector(%q).scrollIntoView({block: "center"}); return "" })()`, sel))
	b.do(t, chromedp.Click(chromedp.CSS(sel)))
}

func (b *browser) sendKeys(t *testing.T, sel, keys string) {
	t.Helper()
	b.do(t, chromedp.SendKeys(chromedp.CSS(sel), keys))
}

// setValue sets a form control's value and fires the event its page listens to, as typing or
// choosing would.
func (b *browser) setValue(t *testing.T, sel, value, event string) {
	t.Helper()
	b.waitFor(t, sel, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	b.eval(t, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event(%q, {bubbles: true})); return "" })()`, sel, value, event))
}

// eval evaluates a JavaScript expression whose value is a string.
func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiDeadline)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.failed(t, "evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds, failing after uiDeadline.
func (b *browser) waitFor(t *testing.T, what, cond string) {
	t.Helper()
	end := time.Now().Add(uiDeadline)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Boolean(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(end) {
			b.failed(t, "timed out after %s waiting for %s (last error: %v)", uiDeadline, what, lastErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves the whole page as <name>.png in the artefacts folder.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiDeadline)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	path := filepath.Join(artifactsDir(t), name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// failed saves what the page shows and fails the test.
func (b *browser) failed(t *testing.T, format string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(artifactsDir(t), "failure-"+strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".png")
		if os.WriteFile(path, png, 0o644) == nil {
			t.Logf("the page at the failure: %s", path)
		}
	}
	b.mu.Lock()
	if len(b.exceptions) > 0 {
		t.Logf("JavaScript exceptions:\n%s", strings.Join(b.exceptions, "\n"))
	}
	b.mu.Unlock()
	t.Fatalf(format, args...)
}

func (b *browser) requireNoExceptions(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(t, b.exceptions, "the pages threw JavaScript exceptions")
}

// artifactsDir is $SHELF_ARTIFACTS_DIR, else artifacts/screenshots at the repository root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SHELF_ARTIFACTS_DIR")
	if dir == "" {
		root, err := filepath.Abs("../..")
		require.NoError(t, err)
		dir = filepath.Join(root, "artifacts", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// findChromium finds Debian's chromium. Its absence fails the test: a UI test that skips
// quietly would pass without testing anything.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatalf("chromium is not installed, and the web UI test drives it. Install it with " +
		"`scripts/ensure-chromium.sh` (or `apt-get update && apt-get install -y chromium`); `make test` does this itself")
	return ""
}

// writeSampleLibrary writes the sample library (the one `make run` uses) into dir.
func writeSampleLibrary(t *testing.T, dir string) {
	t.Helper()
	db, err := titledb.LoadSample()
	require.NoError(t, err)
	require.NoError(t, pipelinetest.Write(dir, pipelinetest.SampleLibrary(db, 1)))
}
