// Command bench is the Go driver of the libplivo benchmark (tests/bench/run.sh):
// Client.StopStream in a loop on one client, measured like the C drivers.
//
//	bench --base-url URL --call C --stream S --calls N [--warmup W] [--server-pid PID]
//
// Credentials come from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN (never printed). Prints one
// JSON line with the fields of tests/bench/bench_common.h.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

func rssKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "VmRSS:") {
			fields := strings.Fields(s.Text())
			if len(fields) > 1 {
				v, _ := strconv.ParseInt(fields[1], 10, 64)
				return v
			}
		}
	}
	return -1
}

// procCPU is utime+stime of another process in seconds (/proc/PID/stat), or -1.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func cpu() (user, sys float64) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6,
		float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
}

func main() {
	baseURL := flag.String("base-url", "", "API base URL")
	call := flag.String("call", "", "call uuid")
	stream := flag.String("stream", "", "stream uuid")
	calls := flag.Int("calls", 1000, "timed calls")
	warmup := flag.Int("warmup", 200, "untimed calls first")
	serverPID := flag.Int("server-pid", 0, "server pid, for its CPU time")
	flag.Parse()
	if *baseURL == "" || *call == "" || *stream == "" {
		flag.Usage()
		os.Exit(2)
	}
	rss0 := rssKiB()
	client, err := plivo.NewClient("", "", plivo.WithBaseURL(*baseURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-go:", err)
		os.Exit(1)
	}
	defer client.Close()
	errors, firstErr := 0, ""
	count := func(err error) {
		if err != nil {
			if errors == 0 {
				firstErr = err.Error()
			}
			errors++
		}
	}
	for i := 0; i < *warmup; i++ {
		count(client.StopStream(*call, *stream))
	}
	lat := make([]int64, *calls)
	srv0 := procCPU(*serverPID)
	u0, s0 := cpu()
	t0 := time.Now()
	for i := range lat {
		c0 := time.Now()
		count(client.StopStream(*call, *stream))
		lat[i] = int64(time.Since(c0))
	}
	wall := time.Since(t0).Seconds()
	u1, s1 := cpu()
	srv1 := procCPU(*serverPID)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat)-1) + 0.5)
		return float64(lat[i]) / 1000
	}
	var sum int64
	for _, v := range lat {
		sum += v
	}
	mean := 0.0
	if len(lat) > 0 {
		mean = float64(sum) / float64(len(lat)) / 1000
	}
	srv := -1.0
	if srv0 >= 0 && srv1 >= 0 {
		srv = srv1 - srv0
	}
	perCall := 0.0
	if *calls > 0 {
		perCall = (u1 - u0 + s1 - s0) * 1e6 / float64(*calls)
	}
	out, _ := json.Marshal(map[string]any{
		"system": "libplivo-go", "calls": *calls, "warmup": *warmup, "threads": 1,
		"errors": errors, "first_error_code": 0, "wall_s": wall,
		"calls_per_s": float64(*calls) / wall, "p50_us": pct(0.50), "p99_us": pct(0.99),
		"mean_us": mean, "cpu_user_s": u1 - u0, "cpu_sys_s": s1 - s0,
		"cpu_us_per_call": perCall, "server_cpu_s": srv,
		"rss_start_kib": rss0, "rss_end_kib": rssKiB(), "rss_at": map[string]int64{},
	})
	fmt.Println(string(out))
	if errors > 0 {
		fmt.Fprintf(os.Stderr, "bench-go: %d errors, first: %s\n", errors, firstErr)
		os.Exit(1)
	}
}
