package plivo_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

// Stop a stream, treating "already stopped" as success. Credentials come from
// PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN (empty arguments).
func Example() {
	client, err := plivo.NewClient("", "", plivo.WithTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	err = client.StopStream("CALL_UUID", "STREAM_UUID")
	switch {
	case err == nil:
		fmt.Println("stopped")
	case errors.Is(err, plivo.ErrNoActiveStream):
		fmt.Println("already stopped")
	default:
		var pe *plivo.Error
		if errors.As(err, &pe) {
			log.Fatalf("stop failed: %v (HTTP %d, api_id %s)", pe, pe.HTTPStatus, pe.APIID)
		}
		log.Fatal(err)
	}
}

func ExampleClient_StartStream() {
	client, err := plivo.NewClient("", "")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	id, err := client.StartStream("CALL_UUID", "wss://media.example.com/audio", &plivo.StreamParams{
		AudioTrack:    "both",
		ContentType:   "audio/x-l16;rate=16000",
		StreamTimeout: 3600,
	})
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.GetStream("CALL_UUID", id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.StreamID, s.Status)
}
