//go:build !integration

package main

import "testing"

func TestNormDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"25/12/2018", "2018-12-25"},
		{"5/3/2018", "2018-03-05"}, // day first
		{"12/28/2017", "2017-12-28"},
		{"30 DEC 17", "2017-12-30"},
		{"15/APR/2017", "2017-04-15"},
		{"04 JUN 2018", "2018-06-04"},
		{"2018/02/22", "2018-02-22"},
		{"2018-01-05", "2018-01-05"},
		{"20180428", "2018-04-28"},
		{"25032018", "2018-03-25"},
		{"(06/12/2016)", "2016-12-06"},
		{"02-05-18", "2018-05-02"},
		{"10.03.2018", "2018-03-10"},
		{"not a date", "NOT A DATE"},
	}
	for _, tt := range tests {
		if got := normDate(tt.in); got != tt.want {
			t.Errorf("normDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPartOfSplitsAboutHalf(t *testing.T) {
	n := 0
	for i := range 1000 {
		if partOf(string(rune('a'+i%26))+string(rune('0'+i%10))+string(rune(i))) == validation {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("%d of 1000 names in validation, want about half", n)
	}
	// The split is fixed: figures measured before and after a change
	// are comparable only on the same parts.
	for name, want := range map[string]part{"000": validation, "201": tuning} {
		if got := partOf(name); got != want {
			t.Errorf("partOf(%q) = %v, want %v", name, got, want)
		}
	}
}
