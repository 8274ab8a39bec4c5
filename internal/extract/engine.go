package extract

import (
	"cmp"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/textract"

	"github.com/receipts-api/receipts/internal/awsclient"
	"github.com/receipts-api/receipts/internal/limits"
)

// FromEnv returns the engine EXTRACTOR names, and its name for results and
// metrics: "textract" (the default) or "tesseract" (languages from
// OCR_LANGUAGES, default eng; page segmentation from OCR_PSM, default 6;
// bounded by lim). The environment is read here only.
func FromEnv(cfg aws.Config, lim limits.Limits) (string, Extractor, error) {
	switch name := cmp.Or(os.Getenv("EXTRACTOR"), "textract"); name {
	case "tesseract":
		t := NewTesseract(os.Getenv("OCR_LANGUAGES"))
		t.Limits = lim
		if psm := os.Getenv("OCR_PSM"); psm != "" {
			t.PageSegMode = psm
		}
		return name, t, nil
	case "textract":
		client := textract.NewFromConfig(cfg, func(o *textract.Options) {
			o.BaseEndpoint = awsclient.Endpoint("TEXTRACT")
		})
		tx := NewTextract(client)
		tx.Limits = lim
		return name, tx, nil
	default:
		return "", nil, fmt.Errorf("EXTRACTOR %q: want tesseract or textract", name)
	}
}
