//go:build !integration

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestImageMatchesWhatTheTestsRun checks, as far as a machine without Docker
// can, that the container image for Extractor=tesseract holds what the tests
// ran: the Debian release and packages that `make deps` installs, the binary
// from the same make target, started as the entrypoint.
func TestImageMatchesWhatTheTestsRun(t *testing.T) {
	df := read(t, "Dockerfile")
	makefile := read(t, "../../Makefile")

	release := regexp.MustCompile(`(?m)^VERSION_CODENAME=(\w+)`).FindStringSubmatch(read(t, "/etc/os-release"))
	if release == nil {
		t.Fatal("no VERSION_CODENAME in /etc/os-release")
	}
	for _, from := range regexp.MustCompile(`(?m)^FROM (?:--\S+ )*(\S+)`).FindAllStringSubmatch(df, -1) {
		if !strings.HasSuffix(from[1], release[1]) && !strings.Contains(from[1], release[1]+"-") {
			t.Errorf("FROM %s: not this machine's Debian release %s", from[1], release[1])
		}
	}

	apt := regexp.MustCompile(`(?m)^APT_PACKAGES\s*:=\s*(.+)$`).FindStringSubmatch(makefile)
	if apt == nil {
		t.Fatal("no APT_PACKAGES in the Makefile")
	}
	packs := regexp.MustCompile(`ARG OCR_LANGUAGE_PACKS="([^"]*)"`).FindStringSubmatch(df)
	if packs == nil {
		t.Fatal("no OCR_LANGUAGE_PACKS build argument")
	}
	installed := map[string]bool{}
	for _, w := range strings.Fields(df) {
		installed[w] = true
	}
	for _, p := range strings.Fields(packs[1]) {
		installed["tesseract-ocr-"+p] = true
	}
	for _, pkg := range strings.Fields(apt[1]) {
		if !installed[pkg] {
			t.Errorf("the image lacks %s, which make deps installs", pkg)
		}
	}

	if !strings.Contains(df, "make build-ProcessorFunction ARTIFACTS_DIR=/out") {
		t.Error("the image's binary is not built by make build-ProcessorFunction")
	}
	if !strings.Contains(df, "COPY --from=build /out/bootstrap /var/task/bootstrap") ||
		!strings.Contains(df, `ENTRYPOINT ["/var/task/bootstrap"]`) {
		t.Error("the entrypoint is not the binary the make target built")
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
