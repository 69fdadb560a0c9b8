package main

import (
	"context"
	"errors"
)

type visitBytes struct{}

func browserSection(ctx context.Context, e *env) (string, error)   { return "", errors.New("todo") }
func bytesSection(ctx context.Context, e *env) (string, error)     { return "", errors.New("todo") }
func inferenceSection(ctx context.Context, e *env) (string, error) { return "", errors.New("todo") }
func validateSection(ctx context.Context, e *env) (string, error)  { return "", errors.New("todo") }
func scalingSection(ctx context.Context, e *env) (string, error)   { return "", errors.New("todo") }
