//go:build !integration

package samtemplate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/receipts-api/receipts/internal/local/samtemplate"
	"github.com/receipts-api/receipts/internal/local/testenv"
)

// TestTemplateIsOperable checks the parts someone on call relies on: the
// alarms, where they go, and a dashboard whose body CloudWatch can read.
func TestTemplateIsOperable(t *testing.T) {
	tp := testenv.Template(t)
	alarms, err := tp.Resources("AWS::CloudWatch::Alarm")
	if err != nil {
		t.Fatal(err)
	}
	topic := tp.PhysicalName("AlarmTopic")
	got := map[string]bool{}
	for _, a := range alarms {
		got[a.LogicalID] = true
		if actions := jsonOf(t, a.Properties["AlarmActions"]); actions != jsonOf(t, []string{topic}) {
			t.Errorf("%s: actions %s, want the alarm topic %q", a.LogicalID, actions, topic)
		}
	}
	for _, id := range []string{"DeadLetterAlarm", "ProcessorErrorAlarm", "ProcessingBacklogAlarm", "StreamBacklogAlarm", "Api5xxAlarm", "ThrottleAlarm"} {
		if !got[id] {
			t.Errorf("no alarm %s", id)
		}
	}
	dashboards, err := tp.Resources("AWS::CloudWatch::Dashboard")
	if err != nil || len(dashboards) != 1 {
		t.Fatalf("dashboards: %v, %v", dashboards, err)
	}
	body, _ := dashboards[0].Properties["DashboardBody"].(string)
	var dash struct{ Widgets []json.RawMessage }
	if err := json.Unmarshal([]byte(body), &dash); err != nil || len(dash.Widgets) == 0 {
		t.Fatalf("dashboard body is not a CloudWatch dashboard: %v\n%s", err, body)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExtractorParameter: with Extractor=tesseract the processor is the
// container image, wired to the same queue with the same settings, and the
// zip processor is not created.
func TestExtractorParameter(t *testing.T) {
	root := testenv.Root(t)
	load := func(extractor string) *samtemplate.Template {
		tp, err := samtemplate.Load(filepath.Join(root, "template.yaml"), samtemplate.Options{Parameters: map[string]string{"Extractor": extractor}})
		if err != nil {
			t.Fatal(err)
		}
		return tp
	}
	zip, err := load("textract").Function("ProcessorFunction")
	if err != nil {
		t.Fatal(err)
	}
	img, err := load("tesseract").Function("ProcessorImageFunction")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load("tesseract").Function("ProcessorFunction"); err == nil {
		t.Error("Extractor=tesseract still creates the zip processor")
	}
	if _, err := load("textract").Function("ProcessorImageFunction"); err == nil {
		t.Error("Extractor=textract still creates the image processor")
	}
	if img.Properties["PackageType"] != "Image" || img.Env["EXTRACTOR"] != "tesseract" || zip.Env["EXTRACTOR"] != "textract" {
		t.Errorf("image: PackageType %v EXTRACTOR %q; zip EXTRACTOR %q", img.Properties["PackageType"], img.Env["EXTRACTOR"], zip.Env["EXTRACTOR"])
	}
	if df, _ := img.Metadata["Dockerfile"].(string); df == "" {
		t.Error("the image function names no Dockerfile")
	} else if _, err := os.Stat(filepath.Join(root, df)); err != nil {
		t.Errorf("Dockerfile: %v", err)
	}
	for _, k := range []string{"Timeout", "MemorySize"} {
		if jsonOf(t, img.Properties[k]) != jsonOf(t, zip.Properties[k]) {
			t.Errorf("%s differs: image %v, zip %v", k, img.Properties[k], zip.Properties[k])
		}
	}
	if jsonOf(t, img.Events) != jsonOf(t, zip.Events) {
		t.Errorf("events differ:\nimage %s\nzip   %s", jsonOf(t, img.Events), jsonOf(t, zip.Events))
	}
	for k, v := range zip.Env {
		if k != "EXTRACTOR" && img.Env[k] != v {
			t.Errorf("env %s: image %q, zip %q", k, img.Env[k], v)
		}
	}
}
