package stack

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter interleaves the output of many processes line by line, each
// line tagged with where it came from.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func newLineWriter(out io.Writer) *lineWriter { return &lineWriter{out: out} }

func (l *lineWriter) prefixed(name string) io.Writer {
	return &prefixWriter{l: l, prefix: []byte("[" + name + "] ")}
}

type prefixWriter struct {
	l       *lineWriter
	prefix  []byte
	mu      sync.Mutex
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := append(append([]byte{}, p.prefix...), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
		p.l.mu.Lock()
		_, err := p.l.out.Write(line)
		p.l.mu.Unlock()
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}
