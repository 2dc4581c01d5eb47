package plivo

import "encoding/json"

// Stats are a client's counters since it was created, over all its goroutines and
// its completion queue (plivo_client_stats). A request is a call that sent something
// (one refused with ErrInvalidArgument before sending is not counted); counters move
// when a request completes, so on an idle client Retries == Attempts - Requests and
// Connections.Opened + Connections.Reused == Attempts.
type Stats struct {
	Requests uint64 // completed requests, failures included
	Attempts uint64 // HTTP attempts
	Retries  uint64 // attempts after a request's first
	InFlight uint64 // requests under way now
	// Outcomes counts requests by the name of their code ("PLIVO_OK",
	// "PLIVO_ERR_NO_ACTIVE_STREAM", ...): every code that occurred.
	Outcomes    map[string]uint64
	Connections struct {
		Opened    uint64 // new connections attempts set out to open
		Reused    uint64 // pooled connections handed to an attempt
		Discarded uint64 // closed instead of being pooled or reused
	}
	// LatencyUS: estimates of completed requests' durations in microseconds (0
	// before any), from a power-of-two histogram; never above Max.
	LatencyUS struct {
		P50, P90, P99, Max uint64
	}
}

type statsJSON struct {
	Requests    uint64            `json:"requests"`
	Attempts    uint64            `json:"attempts"`
	Retries     uint64            `json:"retries"`
	InFlight    uint64            `json:"in_flight"`
	Outcomes    map[string]uint64 `json:"outcomes"`
	Connections struct {
		Opened    uint64 `json:"opened"`
		Reused    uint64 `json:"reused"`
		Discarded uint64 `json:"discarded"`
	} `json:"connections"`
	LatencyUS struct {
		P50 uint64 `json:"p50"`
		P90 uint64 `json:"p90"`
		P99 uint64 `json:"p99"`
		Max uint64 `json:"max"`
	} `json:"latency_us"`
}

// Stats returns the client's counters (cheap: no lock in the library). A closed
// client is ErrInvalidArgument.
func (c *Client) Stats() (Stats, error) {
	p, err := c.acquire()
	if err != nil {
		return Stats{}, err
	}
	js, err := clientStats(p)
	c.mu.RUnlock()
	if err != nil {
		return Stats{}, err
	}
	var v statsJSON
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		return Stats{}, &Error{Code: CodeInternal, Message: "plivo_client_stats: not the JSON expected: " + err.Error()}
	}
	s := Stats{Requests: v.Requests, Attempts: v.Attempts, Retries: v.Retries, InFlight: v.InFlight, Outcomes: v.Outcomes}
	if s.Outcomes == nil {
		s.Outcomes = map[string]uint64{}
	}
	s.Connections.Opened, s.Connections.Reused, s.Connections.Discarded = v.Connections.Opened, v.Connections.Reused, v.Connections.Discarded
	s.LatencyUS.P50, s.LatencyUS.P90, s.LatencyUS.P99, s.LatencyUS.Max = v.LatencyUS.P50, v.LatencyUS.P90, v.LatencyUS.P99, v.LatencyUS.Max
	return s, nil
}
