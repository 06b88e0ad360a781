package testenv

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// A Step is what BuildKit's status events (--progress=rawjson) say of the
// vertices of one name.
type Step struct {
	Name      string
	Cached    bool
	Started   bool
	Completed bool
	Error     string
	// Took is how long the step ran (from its start to its completion).
	Took time.Duration
	// Logs is what the step's process wrote.
	Logs string
}

// Ran tells whether a step really executed (was not taken from the cache).
func (s *Step) Ran() bool { return s.Started && !s.Cached }

// Events are a build's steps by name, read from its rawjson progress.
type Events map[string]*Step

// ParseEvents reads rawjson progress; lines that are no status event (the
// CLI's own messages) are skipped.
func ParseEvents(out string) Events {
	steps := Events{}
	names := map[string]string{} // vertex digest → name
	logs := map[string]*bytes.Buffer{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []struct {
				Digest    string     `json:"digest"`
				Name      string     `json:"name"`
				Cached    bool       `json:"cached"`
				Started   *time.Time `json:"started"`
				Completed *time.Time `json:"completed"`
				Error     string     `json:"error"`
			} `json:"vertexes"`
			Logs []struct {
				Vertex string `json:"vertex"`
				Data   string `json:"data"`
			} `json:"logs"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			names[v.Digest] = v.Name
			s := steps[v.Name]
			if s == nil {
				s = &Step{Name: v.Name}
				steps[v.Name] = s
			}
			s.Cached = s.Cached || v.Cached
			s.Started = s.Started || v.Started != nil
			s.Completed = s.Completed || v.Completed != nil
			if v.Error != "" {
				s.Error = v.Error
			}
			if v.Started != nil && v.Completed != nil {
				s.Took = v.Completed.Sub(*v.Started)
			}
		}
		for _, l := range st.Logs {
			dt, _ := base64.StdEncoding.DecodeString(l.Data)
			if logs[l.Vertex] == nil {
				logs[l.Vertex] = &bytes.Buffer{}
			}
			logs[l.Vertex].Write(dt)
		}
	}
	for d, b := range logs {
		if s := steps[names[d]]; s != nil {
			s.Logs += b.String()
		}
	}
	return steps
}

// Step is the step of that exact name (see package graph's step names);
// the test fails when the build had none.
func (e Events) Step(t *testing.T, name string) *Step {
	t.Helper()
	s := e[name]
	if s == nil {
		t.Fatalf("no step %q among %q", name, e.names())
	}
	return s
}

// WithPrefix are the steps whose names start with prefix.
func (e Events) WithPrefix(prefix string) []*Step {
	var out []*Step
	for name, s := range e {
		if strings.HasPrefix(name, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func (e Events) names() []string {
	var out []string
	for n := range e {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
