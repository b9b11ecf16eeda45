package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Result statuses.
const (
	statusPass        = "pass"
	statusFail        = "FAIL"
	statusInfo        = "info"         // a baseline or a figure without a goal
	statusNotMeasured = "not measured" // the scenario could not run; Note says why
)

// Result is one row of the table and of results.json.
type Result struct {
	ID           string  `json:"id"`
	Figure       string  `json:"figure"`
	Unit         string  `json:"unit"`
	Median       float64 `json:"median"`
	P99          float64 `json:"p99,omitempty"` // for rates: the slowest round
	Samples      int     `json:"samples,omitempty"`
	Baseline     float64 `json:"baseline,omitempty"`
	BaselineName string  `json:"baseline_name,omitempty"`
	// Ratio is the cost relative to the baseline: figure/baseline for times,
	// baseline/figure for rates, so above 1 always means slower than bare.
	Ratio  float64 `json:"ratio,omitempty"`
	Goal   string  `json:"goal,omitempty"`
	Status string  `json:"status"`
	Note   string  `json:"note,omitempty"`
}

// check is one goal on one number: got must be ≤ limit (atMost) or ≥ limit.
type check struct {
	name   string
	got    float64
	atMost bool
	limit  float64
	unit   string
}

func (c check) ok() bool {
	if math.IsNaN(c.got) {
		return false
	}
	if c.atMost {
		return c.got <= c.limit
	}
	return c.got >= c.limit
}

func (c check) String() string {
	op := "≥"
	if c.atMost {
		op = "≤"
	}
	return fmt.Sprintf("%s %s %s%s", c.name, op, num(c.limit), c.unit)
}

// judge sets r.Goal and r.Status from the checks (info when there are none).
func (r *Result) judge(checks ...check) {
	if len(checks) == 0 {
		r.Status = statusInfo
		return
	}
	var goals, missed []string
	for _, c := range checks {
		goals = append(goals, c.String())
		if !c.ok() {
			missed = append(missed, c.name)
		}
	}
	r.Goal = strings.Join(goals, ", ")
	r.Status = statusPass
	if len(missed) > 0 {
		r.Status = statusFail
		r.Note = strings.TrimPrefix(r.Note+"; missed: "+strings.Join(missed, ", "), "; ")
	}
}

// notMeasured is the honest row for a scenario that could not run.
func notMeasured(id, figure, goal, why string) Result {
	return Result{ID: id, Figure: figure, Goal: goal, Status: statusNotMeasured, Note: "not measured: " + why}
}

// num formats a figure with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case v == math.Trunc(v) && a < 1e9:
		return fmt.Sprintf("%.0f", v)
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func cell(v float64, unit string) string {
	if v == 0 {
		return "–"
	}
	return num(v) + " " + unit
}

// printTable writes the results as an aligned plain-text table.
func printTable(w io.Writer, rs []Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tfigure\tmedian\tp99/worst\tbaseline\tratio\tgoal\tstatus")
	for _, r := range rs {
		ratio := "–"
		if r.Ratio != 0 {
			ratio = num(r.Ratio) + "×"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Figure, cell(r.Median, r.Unit),
			cell(r.P99, r.Unit), baselineCell(r), ratio, dash(r.Goal), r.Status)
	}
	tw.Flush()
	for _, r := range rs {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.ID, r.Note)
		}
	}
}

// printMarkdown writes the results as a Markdown table (for BENCHMARKS.md).
func printMarkdown(w io.Writer, rs []Result) {
	fmt.Fprintln(w, "| id | figure | median | p99 / worst round | baseline | ratio | goal | status |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		ratio := "–"
		if r.Ratio != 0 {
			ratio = num(r.Ratio) + "×"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.ID, r.Figure, cell(r.Median, r.Unit),
			cell(r.P99, r.Unit), baselineCell(r), ratio, dash(r.Goal), r.Status)
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		if r.Note != "" {
			fmt.Fprintf(w, "- **%s**: %s\n", r.ID, r.Note)
		}
	}
}

func baselineCell(r Result) string {
	if r.BaselineName == "" {
		return "–"
	}
	if r.Baseline == 0 {
		return r.BaselineName
	}
	return r.BaselineName + " " + num(r.Baseline)
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// Report is the whole content of results.json.
type Report struct {
	Machine  Machine   `json:"machine"`
	Mode     string    `json:"mode"`
	Command  string    `json:"command"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Results  []Result  `json:"results"`
	Failures int       `json:"goals_missed"`
	LoadEnd  string    `json:"loadavg_end,omitempty"`
}

func writeJSON(path string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}
