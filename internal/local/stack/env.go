package stack

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

// envFile is a `sam local --env-vars` file: "Parameters" applies to every
// function, an entry named for a function's logical id to that one alone.
type envFile map[string]map[string]any

func loadEnvFile(root, path string) (envFile, error) {
	if path == "" {
		path = filepath.Join(root, "env.json")
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return envFile{}, nil
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env vars: %w", err)
	}
	var f envFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse env vars %s: %w", path, err)
	}
	return f, nil
}

// apply overrides the template's variables as SAM does: only variables the
// template declares are overridden, and function entries beat Parameters.
func (f envFile) apply(function string, declared map[string]string) map[string]string {
	out := maps.Clone(declared)
	for _, section := range []string{"Parameters", function} {
		for k, v := range f[section] {
			if _, ok := declared[k]; ok {
				out[k] = fmt.Sprint(v)
			}
		}
	}
	return out
}
