package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// localStack is what `make dev` writes to .local/stack.json.
type localStack struct {
	API      string `json:"api"`
	DynamoDB string `json:"dynamodb"`
	Table    string `json:"table"`
}

// findLocal looks for .local/ in this folder and its parents.
func findLocal() (string, bool) {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, ".local")
		if _, err := os.Stat(filepath.Join(p, "stack.json")); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func readLocal() (localStack, string, error) {
	dir, ok := findLocal()
	if !ok {
		return localStack{}, "", errors.New("no local stack found (.local/stack.json): run `make dev`, or pass --url and --key")
	}
	var st localStack
	b, err := os.ReadFile(filepath.Join(dir, "stack.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return st, dir, err
}

// locate fills in the API's URL and key from the local stack where none
// was given.
func (c *config) locate() error {
	if c.url != "" && c.key != "" {
		return nil
	}
	st, dir, err := readLocal()
	if err != nil {
		return err
	}
	if c.url == "" {
		c.url = st.API
	}
	if c.key == "" {
		b, err := os.ReadFile(filepath.Join(dir, "dev-api-key"))
		if err != nil {
			return errors.New("no API key: pass --key or set RECEIPTS_API_KEY")
		}
		c.key = strings.TrimSpace(string(b))
	}
	return nil
}
