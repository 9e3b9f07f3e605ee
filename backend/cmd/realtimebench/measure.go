package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procCPU is the CPU time one part of the platform used.
type procCPU struct {
	name    string
	seconds float64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// statCPU reads a process's user+system time, and its reaped children's,
// from /proc/<pid>/stat, with its parent id.
func statCPU(pid int) (seconds float64, ppid int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces: fields start after its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	var ticks float64
	for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
		v, _ := strconv.ParseFloat(f[i], 64)
		ticks += v
	}
	return ticks / clockTicks, ppid, true
}

// treeCPU is the CPU time of pid and its live descendants (Postgres'
// backends are children of the postmaster; exited ones count in the
// postmaster's children's time once reaped).
func treeCPU(root int) float64 {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	cpu := map[int]float64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, ppid, ok := statCPU(pid)
		if !ok {
			continue
		}
		cpu[pid] = s
		children[ppid] = append(children[ppid], pid)
	}
	var total float64
	var walk func(int)
	walk = func(pid int) {
		total += cpu[pid]
		for _, c := range children[pid] {
			walk(c)
		}
	}
	walk(root)
	return total
}

// cpuTimes is the CPU time so far of each part, in a fixed order.
func (p *platform) cpuTimes() []procCPU {
	self, _, _ := statCPU(os.Getpid())
	return []procCPU{
		{"load generator", self},
		{"talentd A (streams)", treeCPU(p.stack.Talentd.Pid())},
		{"talentd B (commits)", treeCPU(p.b.Pid())},
		{"edge", treeCPU(p.edge.Pid())},
		{"Postgres", treeCPU(p.stack.Postgres.Pid())},
		{"Redis", treeCPU(p.stack.Redis.Pid())},
		{"MinIO", treeCPU(p.stack.MinIO.Pid())},
	}
}

// machineBusy is the CPU time all processes have used since boot, in
// seconds, from /proc/stat.
func machineBusy() float64 {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 9 || fs[0] != "cpu" {
			continue
		}
		var busy float64
		// user nice system idle iowait irq softirq steal: all but idle, iowait
		for i, v := range fs[1:9] {
			if i == 3 || i == 4 {
				continue
			}
			n, _ := strconv.ParseFloat(v, 64)
			busy += n
		}
		return busy / clockTicks
	}
	return 0
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown model"
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown model"
}

// pin puts the load generator and the servers on the CPU sets asked for,
// every thread (taskset -a); processes they start later inherit it.
func (p *platform) pin(o options) error {
	set := func(cpus string, pids ...int) error {
		if cpus == "" {
			return nil
		}
		for _, pid := range pids {
			out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid)).CombinedOutput()
			if err != nil {
				return fmt.Errorf("taskset %d: %v: %s", pid, err, out)
			}
		}
		return nil
	}
	if err := set(o.clientCPUs, os.Getpid()); err != nil {
		return err
	}
	var servers []int
	for _, root := range []int{p.stack.Talentd.Pid(), p.b.Pid(), p.edge.Pid(), p.stack.Postgres.Pid(), p.stack.Redis.Pid(), p.stack.MinIO.Pid()} {
		servers = append(servers, descendants(root)...)
	}
	if err := set(o.serverCPUs, servers...); err != nil {
		return err
	}
	if o.nice != 0 {
		// With autogroup scheduling (sched_autogroup_enabled), nice
		// counts only inside a session; between sessions each session's
		// autogroup has its own nice: set ours (this session's, restored
		// by unpin) too.
		if b, err := os.ReadFile("/proc/self/autogroup"); err == nil {
			if _, n, ok := strings.Cut(strings.TrimSpace(string(b)), " nice "); ok {
				p.autogroupNice = n
				if err := os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(o.nice)), 0); err != nil {
					return fmt.Errorf("autogroup nice %d: %w", o.nice, err)
				}
			}
		}
		for _, pid := range append(servers, os.Getpid()) {
			// Nice is per thread on Linux: every thread; new ones inherit.
			tids, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
			for _, t := range tids {
				tid, err := strconv.Atoi(t.Name())
				if err != nil {
					continue
				}
				if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, o.nice); err != nil {
					return fmt.Errorf("nice %d for %d: %w", o.nice, tid, err)
				}
			}
		}
	}
	return nil
}

// descendants is pid and every live process below it.
func descendants(root int) []int {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := statCPU(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// histogram is talentd A's talent_events_delivery_seconds: cumulative
// counts by upper bound.
type histogram struct {
	bounds []float64
	counts []float64
	sum    float64
	count  float64
}

func (h *histogram) add(o histogram) {
	if h.bounds == nil {
		h.bounds = o.bounds
		h.counts = make([]float64, len(o.counts))
	}
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.sum += o.sum
	h.count += o.count
}

func (h histogram) sub(o histogram) histogram {
	d := histogram{bounds: h.bounds, counts: make([]float64, len(h.counts)), sum: h.sum - o.sum, count: h.count - o.count}
	for i := range h.counts {
		d.counts[i] = h.counts[i] - o.counts[i]
	}
	return d
}

// summary gives the bucket bound each quantile falls under, and the mean.
func (h histogram) summary() string {
	if h.count == 0 {
		return "none"
	}
	q := func(p float64) string {
		for i, c := range h.counts {
			if c >= p*h.count {
				if math.IsInf(h.bounds[i], 1) {
					return "> " + (time.Duration(h.bounds[i-1] * 1e9)).String()
				}
				return "≤ " + (time.Duration(h.bounds[i] * 1e9)).String()
			}
		}
		return "?"
	}
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  mean %v  (n=%.0f, all streams' events)",
		q(0.50), q(0.95), q(0.99), time.Duration(h.sum/h.count*1e9).Round(10*time.Microsecond), h.count)
}

// metricsA scrapes talentd A's delivery histogram.
func (p *platform) metricsA(ctx context.Context) (histogram, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.stack.Talentd.OpsAddr+"/metrics", nil)
	if err != nil {
		return histogram{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return histogram{}, fmt.Errorf("talentd A metrics: %w", err)
	}
	defer resp.Body.Close()
	var h histogram
	const name = "talent_events_delivery_seconds"
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		metric, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(metric, name) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(metric, name+`_bucket{le="`):
			le := strings.TrimSuffix(strings.TrimPrefix(metric, name+`_bucket{le="`), `"}`)
			b, err := strconv.ParseFloat(le, 64)
			if err != nil {
				continue
			}
			h.bounds = append(h.bounds, b)
			h.counts = append(h.counts, v)
		case metric == name+"_sum":
			h.sum = v
		case metric == name+"_count":
			h.count = v
		}
	}
	if h.bounds == nil {
		return h, fmt.Errorf("talentd A exports no %s", name)
	}
	return h, sc.Err()
}

// unpin gives this session's autogroup its nice back.
func (p *platform) unpin() {
	if p.autogroupNice != "" {
		_ = os.WriteFile("/proc/self/autogroup", []byte(p.autogroupNice), 0)
	}
}
