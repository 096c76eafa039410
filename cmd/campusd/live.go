package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/share/natsbus"
)

// Live sharing's bus: one process's own without a NATS URL; with one,
// the replicas' over NATS (services/share/natsbus).

// checkNATS says what is wrong with the NATS settings.
func (c *Config) checkNATS() error {
	if c.NATSURL == "" {
		return nil
	}
	for _, s := range strings.Split(c.NATSURL, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss") {
			return fmt.Errorf("nats-url %q: want nats://HOST:PORT (or tls://, ws://, wss://), a comma list for a cluster", natsbus.Redact(c.NATSURL))
		}
	}
	if err := natsbus.CheckPrefix(c.NATSPrefix); err != nil {
		return fmt.Errorf("nats-prefix: %v", err)
	}
	return nil
}

// openBus is the bus the configuration names: nil (the hub's own) or
// the NATS server's, with its metrics.
func (m *Main) openBus() (share.Bus, error) {
	c := m.Config
	if c.NATSURL == "" {
		return nil, nil
	}
	host, _ := os.Hostname()
	b, err := natsbus.Open(natsbus.Config{URL: c.NATSURL, Prefix: c.NATSPrefix, Name: "campusd " + host, Logger: m.log})
	if err != nil {
		return nil, fmt.Errorf("nats-url: %w", err)
	}
	m.bus = b
	return b, nil
}

// ready reports whether the store answers and the bus is connected.
func (m *Main) ready(ctx context.Context) error {
	if err := m.store.Ping(ctx); err != nil {
		return err
	}
	if m.bus != nil {
		return m.bus.Check(ctx)
	}
	return nil
}

// busMetrics are the NATS bus's counts: messages in and out, and those
// dropped, by reason. None without the bus.
func (m *Main) busMetrics() []prometheus.Collector {
	b := m.bus
	if b == nil {
		return nil
	}
	count := func(name, help string, labels prometheus.Labels, f func(natsbus.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(f(b.Stats())) })
	}
	const msgs, dropped = "campus_live_bus_messages_total", "campus_live_bus_dropped_total"
	const msgsHelp, droppedHelp = "Live sharing's messages taken from and published to NATS.", "Live sharing's NATS messages dropped, by reason."
	return []prometheus.Collector{
		count(msgs, msgsHelp, prometheus.Labels{"direction": "in"}, func(s natsbus.Stats) uint64 { return s.In }),
		count(msgs, msgsHelp, prometheus.Labels{"direction": "out"}, func(s natsbus.Stats) uint64 { return s.Out }),
		count(dropped, droppedHelp, prometheus.Labels{"reason": "slow_consumer"}, func(s natsbus.Stats) uint64 { return s.Slow }),
		count(dropped, droppedHelp, prometheus.Labels{"reason": "disconnected"}, func(s natsbus.Stats) uint64 { return s.Failed }),
		count(dropped, droppedHelp, prometheus.Labels{"reason": "malformed"}, func(s natsbus.Stats) uint64 { return s.Bad }),
	}
}
