package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// machineInfo describes the machine: CPU model, cores, memory, kernel, OS.
func machineInfo() [][2]string {
	var m [][2]string
	add := func(k, v string) { m = append(m, [2]string{k, v}) }
	add("CPU", cpuModel())
	add("cores (runtime.NumCPU)", strconv.Itoa(runtime.NumCPU()))
	add("memory", memTotal())
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		add("kernel", cstr(u.Sysname[:])+" "+cstr(u.Release[:])+" "+cstr(u.Machine[:]))
	}
	add("OS", osName())
	return m
}

// field reads "key : value" lines, as /proc/cpuinfo and /proc/meminfo have.
func field(file, key string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func cpuModel() string {
	if v := field("/proc/cpuinfo", "model name"); v != "" {
		return v
	}
	return "unknown (no model name in /proc/cpuinfo)"
}

func memTotal() string {
	v := strings.TrimSuffix(field("/proc/meminfo", "MemTotal"), " kB")
	kb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}

func osName() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

func cstr[T int8 | uint8](b []T) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// loadAvg is /proc/loadavg's first three fields.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
