package sam_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/receipts-api/receipts/internal/testenv"
)

// TestTemplateTranslates runs SAM's own translator (what `sam validate` and
// CloudFormation's transform run) over template.yaml for every parameter
// value that changes which resources exist.
func TestTemplateTranslates(t *testing.T) {
	root := testenv.Root(t)
	tool := filepath.Join(root, "..", "shared", "tools", "sam-translate")
	for _, params := range [][]string{
		nil,
		{"AlarmEmail=oncall@example.com"},
		{"LogLevel=DEBUG"},
	} {
		t.Run(strings.Join(append([]string{"defaults"}, params...), " "), func(t *testing.T) {
			cmd := exec.Command("python3", append([]string{tool, filepath.Join(root, "template.yaml")}, params...)...)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "translated") {
				t.Fatalf("sam-translate %v: %v\n%s", params, err, out)
			}
		})
	}
}

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
