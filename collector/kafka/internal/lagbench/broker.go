package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/flinkslo/flinkslo/internal/kafkafake"
)

type brokerFlags struct {
	groups       int
	partitions   int
	advanceEvery int
	baseMs       int64
	pprof        string
}

func (b *brokerFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&b.groups, "groups", 500, "consumer groups (one topic each)")
	fs.IntVar(&b.partitions, "partitions", 64, "partitions per topic")
	fs.IntVar(&b.advanceEvery, "advance-every", 10, "a group advances every this many rounds (0: never)")
	fs.StringVar(&b.pprof, "broker-pprof", "", "serve the broker's /debug/pprof on this loopback address while loading")
	fs.Int64Var(&b.baseMs, "base-ms", 0, "record timestamps are this (unix ms) minus the group's time lag; 0: now")
}

func (b brokerFlags) fleet() kafkafake.LagFleet {
	return kafkafake.LagFleet{Groups: b.groups, Partitions: int32(b.partitions), Base: time.UnixMilli(b.baseMs), AdvanceEvery: b.advanceEvery}
}

// brokerReady is the line the broker prints on stdout once loaded.
type brokerReady struct {
	Brokers []string `json:"brokers"`
	Control string   `json:"control"`
	LoadS   float64  `json:"load_s"`
}

func runBroker(ctx context.Context, b brokerFlags) error {
	began := time.Now()
	k, err := kafkafake.Start()
	if err != nil {
		return err
	}
	defer k.Close()
	f := b.fleet()
	if b.pprof != "" {
		go func() { _ = http.ListenAndServe(b.pprof, nil) }()
	}
	if err := k.LoadFleet(ctx, f); err != nil {
		return fmt.Errorf("load fleet: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /advance", func(w http.ResponseWriter, r *http.Request) {
		round, err := strconv.Atoi(r.URL.Query().Get("round"))
		if err != nil {
			http.Error(w, "round: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := k.Advance(r.Context(), f, round); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	ready := brokerReady{Brokers: k.Brokers(), Control: ln.Addr().String(), LoadS: time.Since(began).Seconds()}
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
