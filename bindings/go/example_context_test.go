package plivo_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"os/exec"
	"strings"
	"sync"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

// exampleServer runs the bundled plivo-server on a loopback port for the examples
// below, with these seeds; stop ends it.
func exampleServer(seeds ...string) (baseURL string, stop func()) {
	args := []string{"--auth-id", testAuthID, "--auth-token", testAuthToken, "--listen", "127.0.0.1:0"}
	for _, s := range seeds {
		args = append(args, "--seed", s)
	}
	cmd := exec.Command(serverBin(nil), args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	return strings.TrimSpace(line), func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

// Stop many streams at once, each bounded by one deadline: the *Context methods wait
// on channels (no OS thread per call), at most WithMaxInFlight requests run at once,
// and a call whose context ends is cancelled and matches both context's error and
// plivo.ErrCancelled.
func ExampleClient_StopStreamContext() {
	base, stop := exampleServer("CALL1:S0,S1,S2,S3,S4,S5,S6,S7,S8,S9")
	defer stop()

	client, err := plivo.NewClient(testAuthID, testAuthToken,
		plivo.WithBaseURL(base), plivo.WithMaxInFlight(4))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs { // S0 and S1 twice: one of each pair is "No active stream found"
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = client.StopStreamContext(ctx, "CALL1", fmt.Sprintf("S%d", i%10))
		}(i)
	}
	wg.Wait()
	stopped, inactive := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			stopped++
		case errors.Is(err, plivo.ErrNoActiveStream):
			inactive++
		default:
			log.Fatal(err)
		}
	}
	fmt.Println("stopped:", stopped, "already inactive:", inactive)

	// A context that is already over: nothing is sent.
	done, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = client.ListStreamsContext(done, "CALL1")
	fmt.Println(errors.Is(err, context.Canceled), errors.Is(err, plivo.ErrCancelled))

	st, err := client.Stats()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("requests:", st.Requests, "ok:", st.Outcomes["PLIVO_OK"])
	// Output:
	// stopped: 10 already inactive: 2
	// true true
	// requests: 12 ok: 10
}
