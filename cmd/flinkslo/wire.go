package main

import (
	"context"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/internal/config"
)

// The wire* functions connect the optional parts. Each does nothing when
// its section of the config is absent.

func wireClassifier(cfg *config.Config, lo *collector.Options) error { return nil }

func wireKafka(cfg *config.Config, e *env, o buildOptions, p *parts, lo *collector.Options) error {
	return nil
}

func wireKube(ctx context.Context, cfg *config.Config, e *env, o buildOptions, p *parts, lo *collector.Options) error {
	return nil
}

func wireAlerting(cfg *config.Config, e *env, o buildOptions, p *parts) error { return nil }

func wireDatadog(cfg *config.Config, e *env, o buildOptions, p *parts) error { return nil }
