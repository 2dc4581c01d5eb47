// Command bench-queue is the Go side of tests/bench/queue/run.sh: N stops of CALL's
// streams s0..s(N-1), each in its own goroutine, through StopStreamContext on one
// client (one completion queue, WithMaxInFlight(INFLIGHT)). One JSON line.
//
//	bench-queue CALL N INFLIGHT
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

func cpuMicros() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench-queue CALL N INFLIGHT")
		os.Exit(2)
	}
	call := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	inflight, _ := strconv.Atoi(os.Args[3])
	client, err := plivo.NewClient("", "", plivo.WithTimeout(30*time.Second), plivo.WithMaxInFlight(inflight))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	start, cpu0 := time.Now(), cpuMicros()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := client.StopStreamContext(ctx, call, fmt.Sprintf("s%d", i)); err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out, _ := json.Marshal(map[string]any{
		"mode": "go-context", "param": inflight, "stops": n, "other": failures,
		"wall_s": wall, "stops_per_s": float64(n) / wall,
		"cpu_us_per_stop": (cpuMicros() - cpu0) / float64(n), "max_rss_kib": ru.Maxrss,
	})
	fmt.Println(string(out))
	if failures != 0 {
		os.Exit(1)
	}
}
