package plivo_test

// Test support: the bundled plivo-server on an ephemeral loopback port, and its
// admin endpoints through net/http (loopback only).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

const (
	testAuthID    = "MATEST0000000000000001"
	testAuthToken = "tok-Secret-4242-zz"
)

func serverBin(t testing.TB) string {
	if p := os.Getenv("PLIVO_SERVER_BIN"); p != "" {
		return p
	}
	p, err := filepath.Abs(filepath.Join("..", "..", "target", "debug", "plivo-server"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// syncBuffer collects the server's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type server struct {
	BaseURL string // http://127.0.0.1:PORT/v1/
	root    string // http://127.0.0.1:PORT
	http    *http.Client
}

// startServer runs plivo-server with the test account and these seeds
// ("CALL:S1,S2"); it is stopped when the test ends.
func startServer(t testing.TB, extraArgs []string, seeds ...string) *server {
	t.Helper()
	args := []string{"--auth-id", testAuthID, "--auth-token", testAuthToken, "--listen", "127.0.0.1:0"}
	for _, s := range seeds {
		args = append(args, "--seed", s)
	}
	args = append(args, extraArgs...)
	cmd := exec.Command(serverBin(t), args...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v (build it with `cargo build -p plivo-server` or set PLIVO_SERVER_BIN)", serverBin(t), err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("plivo-server stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
		_ = cmd.Wait()
		close(done)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(15 * time.Second):
		t.Fatal("plivo-server printed no base URL within 15 s")
	}
	base := strings.TrimSpace(line)
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || !net.ParseIP(u.Hostname()).IsLoopback() || !strings.HasSuffix(u.Path, "/v1/") {
		t.Fatalf("unexpected base URL %q (stderr: %s)", base, stderr.String())
	}
	return &server{
		BaseURL: base,
		root:    u.Scheme + "://" + u.Host,
		// Loopback only, never through a proxy from the environment.
		http: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second},
	}
}

func (s *server) admin(t testing.TB, method, path string, body interface{}) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.root+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("admin %s %s: %s: %s", method, path, resp.Status, b)
	}
	return b
}

// addCall creates the call (if needed) and makes these streams active.
func (s *server) addCall(t testing.TB, call string, streams ...string) {
	t.Helper()
	if streams == nil {
		streams = []string{}
	}
	s.admin(t, "POST", "/__admin/calls/", map[string]interface{}{"call_uuid": call, "streams": streams})
}

type loggedRequest struct {
	Seq           int64   `json:"seq"`
	Conn          int64   `json:"conn"`
	Method        string  `json:"method"`
	Path          string  `json:"path"`
	Authorization *string `json:"authorization"`
	UserAgent     *string `json:"user_agent"`
	ContentType   *string `json:"content_type"`
	Body          *string `json:"body"`
}

func (s *server) requests(t testing.TB) []loggedRequest {
	t.Helper()
	var v struct {
		Requests []loggedRequest `json:"requests"`
	}
	if err := json.Unmarshal(s.admin(t, "GET", "/__admin/requests/", nil), &v); err != nil {
		t.Fatal(err)
	}
	return v.Requests
}

func (s *server) clearRequests(t testing.TB) { s.admin(t, "DELETE", "/__admin/requests/", nil) }

// client returns a client of the test account for this server, closed at the end.
func (s *server) client(t testing.TB, opts ...plivo.Option) *plivo.Client {
	t.Helper()
	opts = append([]plivo.Option{plivo.WithBaseURL(s.BaseURL)}, opts...)
	c, err := plivo.NewClient(testAuthID, testAuthToken, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
