package httpfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/receipts-api/receipts/internal/testdocs"
)

// document is a file of one media type: whole, and cut where its format
// says it ends, so that it is no longer whole.
type document struct {
	mediaType string
	ext       string
	whole     []byte
	cut       []byte
}

// documents returns a small whole file of each media type the fuzzer knows,
// made here, and each cut short: a PNG without the last byte of its IEND
// chunk's CRC, a JPEG without the last byte of its end-of-image marker, a
// PDF without its %%EOF, a HEIF, WebP or TIFF one byte short of its
// boxes, its RIFF size or its last strip.
func documents() map[string]document {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 4)
	}
	img.Set(0, 0, color.Gray{Y: 255})
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	heic, webp, tiff := testdocs.HEIF(8, 8), testdocs.WebP(8, 8), testdocs.TIFF(8, 8, 2)
	heif := append([]byte(nil), heic...)
	copy(heif[8:12], "mif1")
	return map[string]document{
		"image/png":       {"image/png", ".png", p.Bytes(), p.Bytes()[:p.Len()-1]},
		"image/jpeg":      {"image/jpeg", ".jpg", j.Bytes(), j.Bytes()[:j.Len()-1]},
		"application/pdf": {"application/pdf", ".pdf", pdf, pdf[:bytes.LastIndex(pdf, []byte("%%EOF"))]},
		"image/heic":      {"image/heic", ".heic", heic, heic[:len(heic)-1]},
		"image/heif":      {"image/heif", ".heif", heif, heif[:len(heif)-1]},
		"image/webp":      {"image/webp", ".webp", webp, webp[:len(webp)-1]},
		"image/tiff":      {"image/tiff", ".tif", tiff, tiff[:len(tiff)-1]},
	}
}

// sample returns a value the schema accepts: the first of an enum, the
// minimum of a number, an object with every property.
func sample(s *openapi3.Schema) any {
	if s == nil {
		return "x"
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object"):
		obj := map[string]any{}
		for name, p := range s.Properties {
			obj[name] = sample(p.Value)
		}
		return obj
	case s.Type.Is("array"):
		return []any{}
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	}
	switch s.Format {
	case "uuid":
		return "0193c1de-7c6b-7d61-9c4e-2b0f5c6a1e2f"
	case "date-time":
		return "2026-01-02T03:04:05Z"
	}
	return strings.Repeat("r", max(int(s.MinLength), 1))
}

// strictJSON parses exactly one JSON value, nothing after it.
func strictJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more after the JSON value")
	}
	return v, nil
}

// part is one part of a multipart/form-data body. disposition, when set,
// replaces the Content-Disposition built from name and filename.
type part struct {
	name, filename string
	file           bool
	contentType    string
	data           []byte
	disposition    string
}

// multipartBody writes parts as multipart/form-data with boundary. File
// names are quoted as Go's own writer quotes them, byte for byte otherwise,
// so a probe can send any bytes there.
func multipartBody(boundary string, parts []part) []byte {
	var b bytes.Buffer
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		d := p.disposition
		if d == "" {
			d = fmt.Sprintf(`form-data; name="%s"`, q.Replace(p.name))
			if p.file {
				d += fmt.Sprintf(`; filename="%s"`, q.Replace(p.filename))
			}
		}
		fmt.Fprintf(&b, "Content-Disposition: %s\r\n", d)
		if p.contentType != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", p.contentType)
		}
		b.WriteString("\r\n")
		b.Write(p.data)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

const boundary = "fuzz0boundary0a1b2c3"

// formParts returns the parts of a valid multipart body for schema: each
// binary property a file of the first media type its encoding allows, each
// other property a value.
func formParts(s *openapi3.Schema, enc map[string]*openapi3.Encoding, docs map[string]document) []part {
	var parts []part
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name].Value
		if binary(p) {
			d := docs[mediaTypes(enc, name)[0]]
			parts = append(parts, part{name: name, filename: "receipt" + d.ext, file: true, contentType: d.mediaType, data: d.whole})
			continue
		}
		v, _ := json.Marshal(sample(p))
		parts = append(parts, part{name: name, data: bytes.Trim(v, `"`)})
	}
	return parts
}

func binary(s *openapi3.Schema) bool {
	return s != nil && s.Type.Is("string") && (s.Format == "binary" || s.Format == "byte")
}

// mediaTypes lists the media types a multipart property's encoding allows
// that the fuzzer can make files of; a document of its own otherwise.
func mediaTypes(enc map[string]*openapi3.Encoding, name string) []string {
	known := documents()
	var out []string
	if e := enc[name]; e != nil {
		for _, t := range strings.Split(e.ContentType, ",") {
			if _, ok := known[strings.TrimSpace(t)]; ok {
				out = append(out, strings.TrimSpace(t))
			}
		}
	}
	if len(out) == 0 {
		out = []string{"image/png"}
	}
	return out
}
