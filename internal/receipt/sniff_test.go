//go:build !integration

package receipt

import "testing"

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want string
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", JPEG},
		{"pdf", "%PDF-1.7\n", PDF},
		{"text named png", "hello, I am text", ""},
		{"empty", "", ""},
		{"png signature cut short", "\x89PNG\r\n", ""},
		{"pdf later in file", "junk%PDF-1.4", ""},
		{"gif", "GIF89a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff([]byte(tt.head)); got != tt.want {
				t.Errorf("Sniff(%q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want bool
	}{
		{id, true},
		{"0193c1de-7c2a-7b1e-9a3b-1c2d3e4f5a6b", true},
		{"not-a-uuid", false},
		{"", false},
		{"0193c1de7c2a7b1e9a3b1c2d3e4f5a6b", false},
		{"../../etc/passwd", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestWellformed(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
	jpeg := "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"
	tests := []struct {
		name, doc, typ string
		want           bool
	}{
		{"png", png, PNG, true},
		{"png cut short", png[:40], PNG, false},
		{"png without the last byte of its IEND chunk", png[:len(png)-1], PNG, false},
		{"png without its IEND chunk's CRC", png[:len(png)-4], PNG, false},
		{"png with bytes after its IEND chunk", png + "trailer", PNG, true},
		{"jpeg without the last byte", jpeg[:len(jpeg)-1], JPEG, false},
		{"png magic then text", "\x89PNG\r\n\x1a\nthis is not an image at all, IEND", PNG, false},
		{"jpeg", jpeg, JPEG, true},
		{"jpeg without its end", jpeg[:len(jpeg)-2], JPEG, false},
		{"jpeg magic then zeros", "\xff\xd8\xff\xe0" + string(make([]byte, 300)), JPEG, false},
		{"pdf", "%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", PDF, true},
		{"pdf cut short", "%PDF-1.4\n1 0 obj<<>>", PDF, false},
		{"pdf that is a zip too", "%PDF-1.4\nPK\x03\x04...", PDF, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wellformed([]byte(tt.doc), tt.typ); got != tt.want {
				t.Errorf("Wellformed = %v, want %v", got, tt.want)
			}
		})
	}
}
