// Package harness starts and stops a real `wrangler dev` (workerd with local
// D1, KV, R2, Queues and Durable Objects) for end-to-end tests and benchmarks.
package harness

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"edgecrm/auth"
)

// AdminToken is the admin token every test instance is started with.
const AdminToken = "e2e-admin-token"

var (
	keyOnce sync.Once
	keyPEM  []byte
	keyErr  error
)

// KeyPEM is the RSA private key (PEM) every test instance signs tokens with,
// generated once per process and handed to wrangler as the secret
// JWT_PRIVATE_KEY (an env file, so wrangler shows it as hidden). Tests hold
// it to make tokens the server must judge (expired, wrong audience, ...).
func KeyPEM() ([]byte, error) {
	keyOnce.Do(func() { keyPEM, keyErr = auth.GenerateKeyPEM(2048) })
	return keyPEM, keyErr
}

// Key is KeyPEM parsed.
func Key() (*rsa.PrivateKey, error) {
	p, err := KeyPEM()
	if err != nil {
		return nil, err
	}
	return auth.ParsePrivateKeyPEM(p)
}

// DefaultVars are the vars every test instance starts with (Start's vars
// override them): test hooks on, rate limits far above what the suites do
// (the rate-limit tests start their own instance with small ones).
var DefaultVars = []string{"TEST_HOOKS:true", "RATE_LIMIT_WORKSPACE:1000000", "RATE_LIMIT_IP:1000000"}

// Root is the repository root (where wrangler.toml lives).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Env is the environment wrangler runs with: offline, no telemetry.
func Env(logDir string) []string {
	return append(os.Environ(),
		"WRANGLER_SEND_METRICS=false",
		"WRANGLER_SEND_ERROR_REPORTS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"WRANGLER_LOG_PATH="+logDir,
		"CI=1",
	)
}

// Wrangler is one running `wrangler dev`.
type Wrangler struct {
	URL     string
	Persist string
	// Inspector is the devtools port (0 if none): V8's CPU profiler for
	// the Worker and its objects (tests/bench/cpuprofile.mjs).
	Inspector int
	cmd       *exec.Cmd
	mu        sync.Mutex
	out       bytes.Buffer
	done      chan struct{}
}

// Pid is wrangler's process id: its workerd processes are descendants.
func (w *Wrangler) Pid() int { return w.cmd.Process.Pid }

// Logs returns everything wrangler printed so far (Worker logs included).
func (w *Wrangler) Logs() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// MigrateD1 applies the D1 migrations to a local persistence directory.
func MigrateD1(persist string) error {
	cmd := exec.Command(filepath.Join(Root(), "node_modules", ".bin", "wrangler"), "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist)
	cmd.Dir = Root()
	cmd.Env = Env(filepath.Join(persist, "logs"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("d1 migrations: %v\n%s", err, out)
	}
	return nil
}

// Start runs edgecrm under `wrangler dev` on a free loopback port with state
// in persist, and waits (bounded) until it answers. vars are extra
// --var NAME:VALUE over DefaultVars. The secrets (JWT_PRIVATE_KEY = KeyPEM,
// ADMIN_TOKEN = AdminToken) go in an env file inside persist.
func Start(persist string, vars ...string) (*Wrangler, error) {
	if err := os.MkdirAll(persist, 0o755); err != nil {
		return nil, err
	}
	key, err := KeyPEM()
	if err != nil {
		return nil, err
	}
	envFile := filepath.Join(persist, "secrets.env")
	// One line per value; dotenv turns \n inside double quotes into newlines.
	secrets := "JWT_PRIVATE_KEY=\"" + strings.ReplaceAll(strings.TrimSpace(string(key)), "\n", `\n`) + "\"\nADMIN_TOKEN=\"" + AdminToken + "\"\n"
	if err := os.WriteFile(envFile, []byte(secrets), 0o600); err != nil {
		return nil, err
	}
	merged := map[string]string{}
	var order []string
	for _, v := range append(append([]string{}, DefaultVars...), vars...) {
		name, _, _ := strings.Cut(v, ":")
		if _, ok := merged[name]; !ok {
			order = append(order, name)
		}
		merged[name] = v
	}
	all := []string{"--env-file", envFile}
	for _, name := range order {
		all = append(all, "--var", merged[name])
	}
	return start("", persist, all)
}

// StartConfig runs `wrangler dev` with another wrangler.toml (config, "" for
// the project's); the Worker must answer GET /healthz with 200.
func StartConfig(config, persist string, vars ...string) (*Wrangler, error) {
	var extra []string
	for _, v := range vars {
		extra = append(extra, "--var", v)
	}
	return start(config, persist, extra)
}

// Devtools says whether a started Worker has wrangler's devtools session
// (`wrangler dev`, the default) or none (devserver.mjs): the bench turns it
// off unless it is asked for a profile.
var Devtools = true

// start starts the Worker, again (up to three tries) when the runtime
// could not bind a port it was given: wrangler picks its ports free, and
// another process (a parallel test's runtime) can take one before the
// runtime binds it ("Address already in use").
func start(config, persist string, extra []string) (*Wrangler, error) {
	for try := 1; ; try++ {
		w, err := startOnce(config, persist, extra)
		if err == nil || try == 3 || !strings.Contains(err.Error(), "Address already in use") {
			return w, err
		}
	}
}

func startOnce(config, persist string, extra []string) (*Wrangler, error) {
	if err := os.MkdirAll(persist, 0o755); err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	inspector := 0
	if Devtools {
		args := []string{"dev", "--ip", "127.0.0.1", "--port", "0", "--persist-to", persist, "--show-interactive-dev-session=false"}
		// Each instance its own devtools port: instances starting at the same
		// time would all take the default 9229 and all but one fail.
		if port, err := freePort(); err == nil {
			inspector = port
			args = append(args, "--inspector-port", strconv.Itoa(port))
		}
		if config != "" {
			args = append(args, "--config", config)
		}
		cmd = exec.Command(filepath.Join(Root(), "node_modules", ".bin", "wrangler"), append(args, extra...)...)
	} else {
		if config == "" {
			config = filepath.Join(Root(), "wrangler.toml")
		}
		envFile, vars := "", []string{}
		for i := 0; i+1 < len(extra); i += 2 { // extra is --env-file F and --var NAME:VALUE pairs
			if extra[i] == "--env-file" {
				envFile = extra[i+1]
			} else {
				vars = append(vars, extra[i+1])
			}
		}
		cmd = exec.Command("node", append([]string{filepath.Join(Root(), "tests", "harness", "devserver.mjs"), config, persist, envFile}, vars...)...)
	}
	cmd.Dir = Root()
	cmd.Env = Env(filepath.Join(persist, "logs"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	w := &Wrangler{Persist: persist, Inspector: inspector, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	readyRE := regexp.MustCompile(`Ready on (http://127\.0\.0\.1:\d+)`)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			w.mu.Lock()
			w.out.WriteString(line + "\n")
			w.mu.Unlock()
			if m := readyRE.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { cmd.Wait(); pw.Close(); close(w.done) }()
	select {
	case w.URL = <-ready:
	case <-w.done:
		return nil, fmt.Errorf("wrangler dev exited before it was ready:\n%s", w.Logs())
	case <-time.After(60 * time.Second):
		w.Stop()
		return nil, fmt.Errorf("wrangler dev not ready after 60s:\n%s", w.Logs())
	}
	// "Ready" is printed before the first request is served: wait for a 200.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(w.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return w, nil
			}
		}
		if time.Now().After(deadline) {
			w.Stop()
			return nil, fmt.Errorf("wrangler dev never answered /healthz: %v\n%s", err, w.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop kills wrangler and its children and waits for them to exit.
func (w *Wrangler) Stop() {
	if w.cmd.Process == nil {
		return
	}
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
	}
	// A workerd that outlived wrangler's exit: seen orphaned, spinning at a
	// third of a core each, slowing every later test and benchmark.
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
}

// Kill ends wrangler and its children at once (SIGKILL, as a crash) and
// waits for them to exit.
func (w *Wrangler) Kill() {
	if w.cmd.Process == nil {
		return
	}
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	<-w.done
}

// Eventually polls cond every 50ms until it returns nil or timeout passes,
// and returns the last error.
func Eventually(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met after %v: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Contains reports whether the logs contain s (helper for log assertions).
func (w *Wrangler) Contains(s string) bool { return strings.Contains(w.Logs(), s) }
