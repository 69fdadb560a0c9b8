package onnx

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }

func unquote(s string) (string, error) { return strconv.Unquote(s) }
