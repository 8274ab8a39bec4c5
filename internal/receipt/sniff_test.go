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
