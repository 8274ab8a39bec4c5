//go:build !integration

package parse_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/parse"
)

// TestTotalEvidence checks each way a receipt states its total: the
// candidate that the most independent evidence supports wins over a
// misread label.
func TestTotalEvidence(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"label alone", "TOTAL 12.30", "12.30"},
		{"rounded total: the rounded amount is paid",
			"TOTAL 72.74\nRounding Adjustment 0.01\nTOTAL ROUNDED 72.75", "72.75"},
		{"rounding line carries the rounded total",
			"Total Sales (Inclusive GST) RM 72.74\nRounding Adjustment 0.01\nRounding RM 72.75\nCASH RM 100.00\nCHANGE RM 27.25", "72.75"},
		{"total plus rounding beats the total before it",
			"Total Amount(incl. GST) 31.47\nRounding -0.02\nCASH 50.00\nCHANGE 18.55", "31.45"},
		{"cash less change agrees with one of two totals",
			"TOTAL 41.80\nTOTAL 47.80\nCASH 50.00\nCHANGE 2.20", "47.80"},
		{"amount paid by card agrees",
			"TOTAL 18.90\nTOTAL 16.90\nVISA 16.90", "16.90"},
		{"subtotal plus tax agrees",
			"SUBTOTAL 20.00\nGST 6% 1.20\nTOTAL 21.20\nTOTAL 27.20", "21.20"},
		{"tax summary: rate times amount is the tax",
			"TOTAL 53.20\nTOTAL 58.20\nGST SUMMARY Amount Tax\nSR 6% 50.19 3.01", "53.20"},
		{"tax summary plus rounding",
			"Amount To Be Paid : 25.45\nRounding Adjustment: 0.01\nGST Summary % Amount(RM) Tax(RM)\nSR 6 24.00 1.44", "25.45"},
		{"a tax summary's total row with its title misread",
			"Total Sales Incl GST 31.80\nCASH 50.00\nCHANGE 18.20\nGxT Smmry Amt Tax\nTotal : 30.00 1.80", "31.80"},
		{"a tax summary's total row outvoted by what it adds up to",
			"CASH 50.00\nCHANGE 18.20\nTotal : 30.00 1.80", "31.80"},
		{"supplies by tax rate add up to the total, its label unreadable",
			"Total 6% supplies (excl. GST): 30.24\nGST: 1.81\nTotal 6% supplies (Inc. GST): 32.05\nTotal 0% supplies: 19.83\nTotal Payable: - 5148", "51.88"},
		{"supplies by tax rate agree with the label",
			"Total 0% supplies: 19.83\nTotal 6% supplies (Inc. GST): 32.05\nTotal Payable: 51.88", "51.88"},
		{"supplies of one rate are no total",
			"Total 6% supplies (excl. GST): 30.24\nGST: 1.81\nTotal 6% supplies (Inc. GST): 32.05\nTotal Payable: 32.05", "32.05"},
		{"supplies whose tax does not add up prove nothing",
			"Total 0% supplies: 6.01\nTotal 6% supplies (excl. GST): 26.60\nGST: 1.60\nTotal 6% supplies (Inc. GST): 28.28\nTotal Payable: 34.21", "34.21"},
		{"supplies of a taxed rate read only before tax add up to nothing",
			"Total 6% supplies (excl. GST): 30.24\nTotal 0% supplies: 19.83\nTotal Payable: 52.07", "52.07"},
		{"cash with no change counts once against two labels",
			"Total Amount: 8.30\nNett Total: 8.30\nCASH 58.30\nCHANGE 0.00", "8.30"},
		{"a label and an item agree against cash with no change",
			"PEN 1 8.30\nTotal Amount: 8.30\nCASH 58.30\nCHANGE 0.00", "8.30"},
		{"line items add up",
			"PEN 2 x 3.00 6.00\nRULER 1 x 4.50 4.50\nTOTAL 10.50\nTOTAL 16.50", "10.50"},
		{"total after adjustment mentions the tax",
			"Sub-total 122.78\nTotal Sales Incl GST 122.18\nRounding Adj 0.02\nTotal After Adj Incl GST 122.80", "122.80"},
		{"amount to be paid", "Amount To Be Paid : 25.45", "25.45"},
		{"only the amount paid", "TOTAL AMOUNT\nCASH RM 50.00", "50.00"},
		{"four decimals written beside two", "Total 177.22\nRounding -.02\nRounding RM 177.2000\nCREDIT RM 177.20", "177.20"},
		{"a symbol for a digit is no amount", "TOTAL INCL GST RM @.11\nROUNDING ADJUSTMENT -RM 0.01\nTOTAL ROUNDED RM 8.10", "8.10"},
		{"a rounded total is not corrected back to the sum before rounding",
			"Sub-total 88.97\nTotal Sales Incl GST 88.9?\nRounding Adj -J.02\nTotal After Adj Incl GST 88.95\nGST Summary Amount Tax\nSR @ 6% 83.93 5.04", "88.95"},
		{"a computed total is rounded when the rounding is printed but unreadable",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nROUNDING 7 2 0 PX\nGST SUMMARY AMOUNT TAX\nSR 6.00 144.68 8.68", "153.35"},
		{"the amount excluding tax plus the tax agree with the label: cash less change corrects nothing",
			"Total (Excluding gst): 28.58\nGST payable (6%): 1.72\nTotal (Inclusive of GST); 30.30\nCASH : 50.06\nCHANGE : 19.70", "30.30"},
		{"the total of one tax rate's supplies is a part, not the total",
			"O.C. WHITE 2.13 6 12.78\nWHOLEMEAL 2.78 1 2.78\nO.C JUMBO 2.97 4 11.88\nTotal O% supplies: 27.44\nTotal 6% supplies (excl. GST): 30.28\nGST: 1.82\nTotal 6% supplies (Inc. GST): 32.10\nTotal 0% supplies: 27,44\nTotal Payable: 59.54", "59.54"},
		{"supplies of no tax rate, the only total, is the total",
			"ACME OFFICE SUPPLIES\nPAPER 3.00\nINK 9.00\nTOTAL SUPPLIES 12.00", "12.00"},
		{"no readable total label: the rounded sum is paid, not the sum",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nROUNDING -0.01\nTOT Bo. Ws3 35\nGST SUMMARY AMOUNT TAX\nSR 6.00 144.68 8.68", "153.35"},
		{"no readable total label: a rounded sum that cash less change contradicts is no stronger",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nROUNDING 0.04\nCASH 200.00\nCHANGE 46.65", "153.35"},
		{"a total label misread far from the sum: the rounded sum",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nROUNDING 0.01\nTOTA By, } 3.35\nCASH 953.35\nCHANGE : 0.00", "153.35"},
		{"no readable total label, cash less change misread far from the sum: the rounded sum",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nROUNDING -0.01\nTOT Bo. Ws3 35\nCASH 953.35\nCHANGE 0.00\nGST SUMMARY AMOUNT TAX\nSR 6.00 144.68 8.68", "153.35"},
		{"a rounding whose minus sign was lost: subtracted where adding misses 5 sen",
			"TOTAL 25.47\nRounding Adj 0.02\nCASH 30.00\nCHANGE 4.55", "25.45"},
		{"a subtotal plus a rounding that lands between 5-sen steps is no total",
			"SUBTOTAL (QTY 4) RH41 43\nROUNDING RHO.02\nSUBTOTAL (QIY 4) RM41.45\nCASH RMB Y 50\nCHANGE CASH RN10,05", "41.45"},
		{"a rounding off the 5-sen steps that cash less change confirms is added",
			"TOTAL 12.31\nROUNDING 0.01\nCASH 20.00\nCHANGE 7.68", "12.32"},
		{"a rounding off the 5-sen steps whose sum a card payment repeats is added",
			"TOTAL 12.31\nROUNDING 0.01\nVISA 12.32", "12.32"},
		{"a rounding off the 5-sen steps whose sum is printed as a subtotal is added",
			"SUBTOTAL 12.31\nROUNDING 0.01\nSUBTOTAL 12.32", "12.32"},
		{"a positive rounding is added",
			"TOTAL 25.43\nRounding Adj 0.02\nCASH 30.00\nCHANGE 4.55", "25.45"},
		{"subtotal plus rounding, the rounded amount labelled subtotal again",
			"SUBTOTAL (QTY 4) RM41.43\nROUNDING RM0.02\nSUBTOTAL (QTY 4) RM41.45", "41.45"},
		{"a zero rounding after the subtotal makes it no total",
			"SUB-TOTAL 74.06\nGST 4.04\nROUNDING 0.00\nTara 728.10\nDEBIT CARD 78.10", "78.10"},
		{"unreadable rounding: the rounded label agrees with the total before it",
			"Sub-total 127,37\nTotal Sales Incl GST 127.37\nRounding Adj -(),02\nTotal After Adj Incl GST 127.35\nCASH 160,00\nChange Amt 22,65\nGST Summary Amount Tax\nSR @ 0% 127.37 0.00", "127.35"},
		{"letters for the zeros of the cents",
			"TOTAL 12.15\nTOTAL 13.15\nCASH 50.15\nCHANGE 38. 0D", "12.15"},
		{"letters for zeros only in the cents", "TOTAL 12.15\nTOTAL 13.15\nCASH 5O.15\nCHANGE 38.00", "13.15"},
		{"cash less change lands on the subtotal, against a misread tax line",
			"SUB-TOTAL (GST) 12,15\nSVC CHG 0.00\nTAL TOTAL: 9. 69\nCASH 50.15\nCHANGE 38.00", "12.15"},
		{"the taxed part with its tax is no total beside zero-rated goods",
			"Total 0% supplies: 19.83\nTotal 6% supplies (excl. GST): 30.24\nGST: 1.81\nTotal Payable: 51.88", "51.88"},
		{"the taxed part with its tax corrects no total more than one digit off",
			"Total 0% supplies: 19.83\nTotal 6% supplies (excl. GST): 30.24\nGST: 1.81\nTotal Payable: 33.95", "33.95"},
		{"an O for the zero of a rounding",
			"SUBTOTAL (QTY 4) RM41.43\nROUNDING RHO.02\nSUBTOTAL (QTY = 4) RY41.45\nCASH RMD 80", "41.45"},
		{"an O ending a word is no zero", "TOTAL 12.30\nLOT NO.12", "12.30"},
		{"GROUND in an address is no rounding",
			"KEDAI ABC SDN BHD\nLOT 5, GROUND FLOOR, JALAN 1\nDATE: 12/01/2019\nBREAD 11.64\nSUBTOTAL 11.64\nGST 6% 0.70", "12.34"},
		{"cash less change is what was paid, already rounded",
			"KEDAI ABC SDN BHD\nROUNDING ??\nBREAD 12.34\nCASH 20.00\nCHANGE 7.66", "12.34"},
		{"the taxed part and its tax prove nothing beside zero-rated goods",
			"SHAMPOO SR 51.42\nBREAD ZR 4.00\nTOTAL 58.50\nTotal Sales (Excluding GST) 51.42\nTotal GST 3.08", "58.50"},
		{"an O after a digit is no zero of its own", "TOTAL 5O.50\nVISA 50.50", "50.50"},
		{"D for the last zero of the cents", "TOTAL 12.15\nTOTAL 13.15\nCASH 50.15\nCHANGE 38.0D", "12.15"},
		{"the tax included at the usual rate is the share of the cash, not of a misread label",
			"Grand Total RW 1. 30\n(Bill Inclusive of 6% GST : RM2.90)\nCash RM51.30", "51.30"},
		{"the tax added at the usual rate is the share of the amount paid by card",
			"TOTAL 1.60\nGST 6% 0.60\nVISA 10.60", "10.60"},
		{"a label whose tax share agrees keeps it against a payment",
			"TOTAL 10.60\nGST 6% 0.60\nVISA 10.65", "10.60"},
		{"no rounding printed: the computed total stands",
			"SUB-TOTAL 144.68\nTOTAL TAX 8.68\nGST SUMMARY AMOUNT TAX\nSR 6.00 144.68 8.68", "153.36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Malaysian receipts: the 5-sen rounding and the 6% tax are
			// Malaysia's rules.
			if got := parse.Text(tt.text, parse.Options{Country: "MY"}).Total; got != tt.want {
				t.Errorf("Parse(%q).Total = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestTotalCorrection checks that a misread digit is corrected only when
// the receipt's arithmetic proves it, and that the correction is recorded.
func TestTotalCorrection(t *testing.T) {
	tests := []struct {
		name, text, want string
		warning          string // a substring of one warning
	}{
		{"cash less change proves the digit",
			"TOTAL 34.00\nCASH 50.00\nCHANGE 19.00", "31.00", "total: read as 34.00, corrected to 31.00 by cash less change"},
		{"cash less change proves a dropped decimal point and a digit",
			"Total Payable: 3400\nCASH 50.00\nCHANGE 19.00", "31.00", "total: read as 3400, corrected to 31.00 by cash less change"},
		{"tax summary proves the digit",
			"TOTAL 58.20\nGST SUMMARY Amount Tax\nSR 6% 50.19 3.01", "53.20", "total: read as 58.20, corrected to 53.20 by the tax summary"},
		{"the amount before tax and its tax at the usual rate prove the digit, the point dropped before tax",
			"Total Qty: 7 51.42\nTotal Sales (Excluding GST) 5142\nTotal GST 3.08\nRounding 0.00\nTotal Sales (Inclusive of GST) 64.50", "54.50", "total: read as 64.50, corrected to 54.50 by the amount before tax plus its tax at 6%"},
		{"refused: the amount paid agrees with what was read",
			"TOTAL 34.00\nVISA 34.00\nCASH 50.00\nCHANGE 19.00", "34.00", "total: cash less change is 31.00"},
		{"refused: two labels agree with what was read",
			"TOTAL 34.00\nTOTAL INCL GST 34.00\nCASH 50.00\nCHANGE 19.00", "34.00", "total: cash less change is 31.00"},
		{"cash less change proves a dropped leading digit",
			"TOTAL 3.40\nCASH 50.00\nCHANGE 26.60", "23.40", "total: read as 3.40, corrected to 23.40 by cash less change"},
		{"tax summary proves a dropped middle digit",
			"TOTAL 5.90\nGST SUMMARY Amount Tax\nSR 6% 50.85 3.05", "53.90", "total: read as 5.90, corrected to 53.90 by the tax summary"},
		{"cash less change proves a digit read in a smudge",
			"TOTAL 48.30\nCASH 10.00\nCHANGE 1.70", "8.30", "total: read as 48.30, corrected to 8.30 by cash less change"},
		{"refused: cash with no change is one reading",
			"TOTAL 8.30\nCASH 58.30\nCHANGE 0.00", "8.30", "total: cash less change is 58.30"},
		{"refused: two digits dropped",
			"TOTAL 3.40\nCASH 200.00\nCHANGE 76.60", "3.40", "total: cash less change is 123.40"},
		{"refused: more than one digit apart",
			"TOTAL 84.00\nCASH 50.00\nCHANGE 19.00", "84.00", "total: cash less change is 31.00"},
		{"refused: subtotal plus tax alone misses charges",
			"Sub Total 10.00\nService Charge 10% 1.00\nGST 6% 0.66\nNett Total 11.66", "11.66", "total: subtotal plus tax is 10.66"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse.Text(tt.text, parse.Options{Country: "MY"}) // Malaysia's 6% tax proves some
			if got.Total != tt.want {
				t.Errorf("Parse(%q).Total = %q, want %q", tt.text, got.Total, tt.want)
			}
			if !slices.ContainsFunc(got.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("Parse(%q).Warnings = %q, want one containing %q", tt.text, got.Warnings, tt.warning)
			}
		})
	}
}

// TestTotalEvidenceElsewhere: receipts of other countries, read by their
// country's rules, or by no country's.
func TestTotalEvidenceElsewhere(t *testing.T) {
	tests := []struct {
		name, country, text, want string
	}{
		{"Serbian: label cut at the left edge, tax total misread", "RS",
			"купан износ: 2.400,00\nлатна картица: 2.400,00\nкупан износ пораза: 400,00", "2400.00"},
		{"Serbian, country unknown", "",
			"купан износ: 2.400,00\nлатна картица: 2.400,00\nкупан износ пораза: 400,00", "2400.00"},
		{"a rounding in a currency not rounded to 5 sen is added as printed", "",
			"TOTAL EUR 12.31\nROUNDING 0.01", "12.32"},
		{"a rounding in a country that does not round cash is added as printed", "DE",
			"SUMME 12,31\nRUNDUNG 0,01", "12.32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{Country: tt.country}).Total; got != tt.want {
				t.Errorf("Parse(%q, %s).Total = %q, want %q", tt.text, tt.country, got, tt.want)
			}
		})
	}
}

// TestDatePlausibility checks that dates after the upload day or before
// 2000 are set aside, labelled dates win, and repeated readings vote.
func TestDatePlausibility(t *testing.T) {
	upload := time.Date(2018, 6, 20, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name, text, want string
		warn             bool
	}{
		{"future date is a misreading", "Date: 25/12/2078\nPrinted 19/06/2018", "2018-06-19", true},
		{"next day allowed for time zones", "Date: 21/06/2018", "2018-06-21", false},
		{"two days later is not", "Date: 22/06/2018", "", true},
		{"before 2000 is a misreading", "Date: 12/03/1998\n12/03/2018 10:11", "2018-03-12", true},
		{"labelled wins over unlabelled", "12/03/2018\nTarikh: 13/03/2018", "2018-03-13", false},
		{"Datum label", "15.03.2018\nDatum: 16.03.2018", "2018-03-16", false},
		{"readings vote", "14/03/2018 10:00\n16/03/2018\n16/03/2018 10:02", "2018-03-16", false},
		// Read only when no date reads the usual way, each beside a label
		// or a time, and with a warning naming what was read.
		{"compact day-month-year beside a time", "00440010036 25032018 13:11:54 0003", "2018-03-25", true},
		{"compact year-month-day beside a time", "POS 20180315 09:12", "2018-03-15", true},
		{"compact digits without a time are no date", "Loyalty 25032018", "", false},
		{"compact digits right after a date label", "DocNo CS00013118 Date. 03022018", "2018-02-03", true},
		{"compact digits elsewhere on a labelled line are no date", "Date: Inv 03022018 Ref", "", false},
		{"compact digits after a word ending in DATE are no date", "LAST UPDATE 03022018", "", false},
		{"a space for a separator, labelled", "Date 05 02-18", "2018-02-05", true},
		{"a space inside the month, before a time", "Ve.82 O6/1 2/2016 20:09:40", "2016-12-06", true},
		{"letters for digits, labelled", "DATE: O4/O9/2O17", "2017-09-04", true},
		{"a misread year digit that only one reading makes plausible", "RECEIPT CS1 BATES 04/09/2047", "2017-09-04", true},
		{"a misread hundreds digit of the year", "CASH H18-02 17/03/2817 21:35", "2017-03-17", true},
		{"an implausible year is repaired before a date pieced across a space", "Date 05 02-18 06/03/2047", "2017-03-06", true},
		{"a phone number's implausible year is no nearer than a date repaired on a labelled line",
			"DATE: O4/O9/2O17\nTEL 03-10-2047", "2017-09-04", true},
		{"a reference's implausible year is no nearer than a date pieced across a space",
			"Date 05 02-18\nREF 12/05/2817", "2018-02-05", true},
		{"a misread first digit of the day, before a time", "49-04-18 18:04 SH01 2/8611", "2018-04-19", true},
		{"a misread first digit of the day, month named", "42 Jun 2018 18:18", "2018-06-12", true},
		{"a 6 read for the 0 of a month, labelled", "INV NO: CS-SA-0079030 Date: 18/64/2017", "2017-04-18", true},
		{"a 6 for a 0 is no year repair", "Date: 04/09/2067", "", true},
		{"two different repairs: neither", "Date 41/03/2018 47/05/2018", "", false},
		{"an expiry date's year is not repaired", "TOTAL 12.30\nVOUCHER VALID UNTIL 31/12/2047", "", true},
		{"compact month first in dollars", "TOTAL USD 12.00\n04052018 13:11", "2018-04-05", true},
		{"a table number is no date before a time", "TABLE 3-12 10:35", "", false},
		{"a usual date wins over a repaired one", "Date 05 02-18\n12/03/2018 10:11", "2018-03-12", false},
		{"spaced digits without a label or time are no date", "QTY 05 02-18", "", false},
		{"a line of bare numbers ending in a date with a space for a separator", "TOTAL 9.00\n913340 368817 05 02-18", "2018-02-05", true},
		{"two such lines with different dates give none", "913340 05 02-18\n913341 06 03-18", "", false},
		{"two such lines with the same date give it", "913340 05 02-18\n913341 05-02 18", "2018-02-05", true},
		{"a ringgit receipt charging GST is no older than GST, so its year is repaired",
			"KEDAI SDN BHD\n17-06-13 12:56\nTOTAL RM 9.00\nGST 6% 0.51", "2018-06-17", true},
		{"a ringgit receipt charging GST: an older date with no repair is none",
			"KEDAI SDN BHD\n14/02/14 15:55\nTOTAL RM 9.00\nGST 6% 0.51", "", true},
		{"a ringgit receipt charging no GST may be older", "KEDAI SDN BHD\n17-06-13 12:56\nTOTAL RM 9.00", "2013-06-17", false},
		{"GST elsewhere is no bound", "GST 5% 0.43\n17.06.13 12:56\nTOTAL 9,00 €", "2013-06-17", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse.Text(tt.text, parse.Options{Now: upload})
			if got.Date != tt.want {
				t.Errorf("ParseWith(%q).Date = %q, want %q", tt.text, got.Date, tt.want)
			}
			warned := slices.ContainsFunc(got.Warnings, func(w string) bool { return strings.HasPrefix(w, "date:") })
			if warned != tt.warn {
				t.Errorf("ParseWith(%q).Warnings = %q, want a date warning: %v", tt.text, got.Warnings, tt.warn)
			}
		})
	}
}

// TestConfidence checks that agreement raises a field's confidence, and
// that every field found has one.
func TestConfidence(t *testing.T) {
	weak := parse.Text("CORNER PLACE\n12/03/2018\nTOTAL 9.00", parse.Options{})
	strong := parse.Text("CORNER PLACE SDN BHD\nDate: 12/03/2018\nTOTAL 9.00\nCASH 20.00\nCHANGE 11.00\nVISA 9.00\n12/03/2018\nTHANK YOU FOR SHOPPING AT CORNER PLACE", parse.Options{})
	for _, name := range []string{"vendor", "date", "total"} {
		w, okW := weak.Confidence[name]
		s, okS := strong.Confidence[name]
		if !okW || !okS {
			t.Errorf("Confidence[%q] missing: %v, %v", name, weak.Confidence, strong.Confidence)
			continue
		}
		if w >= s || s > 1 || w <= 0 {
			t.Errorf("Confidence[%q] = %v alone, %v with agreement; want 0 < alone < agreed <= 1", name, w, s)
		}
	}
	if len(strong.Warnings) != 0 {
		t.Errorf("Warnings = %q for a receipt that adds up", strong.Warnings)
	}
}

// TestZeroRoundingDoubtsAnUnroundedTotal: a printed rounding of 0.00 says
// the total is a multiple of 0.05; one that is not is less sure, and says
// why, so that it is read again.
func TestZeroRoundingDoubtsAnUnroundedTotal(t *testing.T) {
	my := parse.Options{Country: "MY"}
	plain := parse.Text("SUB-TOTAL 30.06\nTOTAL 30.06", my)
	doubted := parse.Text("SUB-TOTAL 30.06\nROUNDING 0.00\nTOTAL 30.06", my)
	rounded := parse.Text("SUB-TOTAL 30.05\nROUNDING 0.00\nTOTAL 30.05", my)
	if d, p := doubted.Confidence["total"], plain.Confidence["total"]; d >= p {
		t.Errorf("Confidence[total] = %v with ROUNDING 0.00, %v without; want less with it", d, p)
	}
	if !slices.ContainsFunc(doubted.Warnings, func(w string) bool { return strings.Contains(w, "not a multiple of 0.05") }) {
		t.Errorf("Warnings = %q; want one about 0.05", doubted.Warnings)
	}
	if len(rounded.Warnings) != 0 || rounded.Confidence["total"] < plain.Confidence["total"] {
		t.Errorf("a multiple of 0.05 with ROUNDING 0.00: warnings %q, confidence %v", rounded.Warnings, rounded.Confidence["total"])
	}
}

// TestParseRepeatedTotalsAndRoundings is the input that once took 25 s and
// 2.8 GB: every total was added to every rounding. Parsing must stay near
// linear in its input.
func TestParseRepeatedTotalsAndRoundings(t *testing.T) {
	text := repeatedTotals(61 << 10)
	start := time.Now()
	got := parse.Text(text, parse.Options{})
	if d := time.Since(start); d > time.Second {
		t.Errorf("Parse of %d bytes of repeated totals and roundings took %v; want well under a second", len(text), d)
	}
	if got.Total == "" {
		t.Error("no total found")
	}
}

// TestParseCapsInput checks that text beyond MaxParseBytes is ignored
// with a warning.
func TestParseCapsInput(t *testing.T) {
	text := "CORNER SHOP\nTOTAL 9.00\n" + strings.Repeat("x", parse.MaxBytes) + "\nTOTAL 1000.00"
	got := parse.Text(text, parse.Options{})
	if got.Total != "9.00" {
		t.Errorf("Total = %q, want 9.00 (what lies past the cap is not read)", got.Total)
	}
	if !slices.ContainsFunc(got.Warnings, func(w string) bool { return strings.HasPrefix(w, "text: only the first") }) {
		t.Errorf("Warnings = %q, want one about the cap", got.Warnings)
	}
}

func repeatedTotals(size int) string {
	var b strings.Builder
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, "TOTAL %d.01\nROUND 0.0%d\n", n, n%10)
	}
	return b.String()
}

func BenchmarkParseRepeatedTotals(b *testing.B) {
	text := repeatedTotals(61 << 10)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		parse.Text(text, parse.Options{})
	}
}

// TestVendorConfusions checks that an OCR confusion in a vendor name is
// undone only where a business-word lexicon or the receipt itself confirms
// the correction.
func TestVendorConfusions(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"lexicon confirms a letter", "GARDENIA BAKERLES (KL) SDN BHD\nLOT 3, JALAN PELABUR 23/1", "GARDENIA BAKERIES (KL) SDN BHD"},
		{"lexicon confirms digits", "99 SPEED MART 5/8\nLOT P.T. 2811, JALAN ANGSA", "99 SPEED MART S/B"},
		{"footer confirms", "PREMLO STATIONERY SDN BHD\nF-G-01 JALAN SS 6/5B\nTOTAL 9.00\nThank you for Shopping at PREMIO", "PREMIO STATIONERY SDN BHD"},
		{"e-mail confirms", "SANYO STATIONERY SHOP\nNO 31G JALAN SETIA INDAH\nTOTAL 9.00\nsanyu@gmail.com", "SANYU STATIONERY SHOP"},
		{"address confirms the name of a web company", "PELANGIGO.COM SDN BHD\nNO 8, WISMA PELANGICO, JALAN MAJU\n43000 KAJANG", "PELANGICO.COM SDN BHD"},
		{"a plural among the items puts no letter back", "BOOK XCESS\nNO 5, JALAN 2\nCHILDREN BOOKS 10.00\nCOMIC BOOKS 5.00", "BOOK XCESS"},
		{"nothing confirms", "PREMLO STATIONERY SDN BHD\nF-G-01 JALAN SS 6/5B\nTOTAL 9.00", "PREMLO STATIONERY SDN BHD"},
		{"a dollar sign for an S", "99 SPEED MART $/B (519537-X)\nLOT P.T. 2811, JALAN ANGSA", "99 SPEED MART S/B"},
		{"an accent on one letter of a plain name", "Ségi Cash & Carry Sdn. Bhd.\nPT17920 Sek U9, Shah Alam", "Segi Cash & Carry SDN. BHD"},
		{"a registration number in the bracket after a misread (M)", "COSWAY (vy SON BHD 0118-4)\n2nd Floor, Wisma Cosway", "COSWAY (M) SDN BHD"},
		{"a name over three lines, a bracket left open", "AIK HUAT HARDWARE\nENTERPRISE (SETIA\nALAM) SUN' BHO\n922737-X\nNO. 17-G, JALAN SETIA INDAH", "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"},
		{"a name whose second line starts with its legal form", "Cavater\nALK HUAT HARDWARE\nENTERPRISE (SETIA\nALAM) SDN BHD\n922737-X\nNO. 17-G, JALAN SETIA INDAH", "ALK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"},
		{"an amount alone above the name", "522\nA 930.50\nUNIHAKKA INTERNATIONAL SDN BHD\n10 Mar 2018 18:24\n412, Jalan Tampai 7/4", "UNIHAKKA INTERNATIONAL SDN BHD"},
		{"an item line ends the header", "COFFEE 5.00\nCORNER CAFE\nTOTAL 5.00", ""},
		{"a legal name below the items names the seller the header does not", "COFFEE 5.00\nCORNER CAFE SDN BHD\nTOTAL 5.00", "CORNER CAFE SDN BHD"},
		{"a number alone above the name", "3-1708032\nPAMQESONS\nWatson's Personal Care Stores Sdn Bhd\nCompany Reg No. +269892)", "Watson's Personal Care Stores SDN BHD"},
		{"the owner's legal name under a trade name", "Banh Mi CafE\nDimiliki: banh mi cafe sdn bhd 1110644-H\nNo. 1 Jalan Puteri 7/10", "banh mi cafe SDN BHD"},
		{"a branch number after the trade", "SANYU STATIONERY SHOP 3\nNO. 31G, JALAN SETIA INDAH X", "SANYU STATIONERY SHOP"},
		{"a number after a place is the branch's name", "BHPetrol Permas Jaya 2 -\nLOT PTD 101051\nJalan Permas 10/10", "BHPetrol Permas Jaya 2"},
		{"the name printed again confirms a dropped letter", "AON CO. (M) BHD\n3RD FLR, AEON TAMAN MALURI SC\nTOTAL 9.00\nAEON BANDAR PUCHONG", "AEON CO. (M) BHD"},
		{"an H read for a B in a trade word", "Guardian Health And Heauty Sdn Bhd\nLOT 1, JALAN 2", "Guardian Health And Beauty SDN BHD"},
		{"a G read for an O in a lexicon word", "UNI HAKKA INTERNATIGNAL SDN BHD\nLOT 1, JALAN 2", "UNI HAKKA INTERNATIONAL SDN BHD"},
		{"a W read for an M in a lexicon word", "99 SPEED WART S/B\nLOT P.T. 2811, JALAN ANGSA", "99 SPEED MART S/B"},
		{"a T read for an I in a place name", "SHH MOTOR (SUNGAT RENGIT) SDN. BHD.\nLOT 1, JALAN 2", "SHH MOTOR (SUNGAI RENGIT) SDN. BHD"},
		{"an N read for an M in a common name word", "NADEJE PLATINUN SDN BHD\nLOT 1, JALAN 2", "NADEJE PLATINUM SDN BHD"},
		{"a surname is not swapped into a name word", "TAN WOON YANN\nLOT 1, JALAN 2", "TAN WOON YANN"},
		{"a word that is right is not swapped into another", "SENIOR CARE HOUSE SDN BHD\nLOT 1, JALAN 2", "SENIOR CARE HOUSE SDN BHD"},
		{"a footer's misreading does not undo a right name", "GARDENIA BAKERIES (KL) SDN BHD\nLOT 3, JALAN PELABUR 23/1\nTOTAL 9.00\nThe freshness of Gardemia's products", "GARDENIA BAKERIES (KL) SDN BHD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{}).Vendor; got != tt.want {
				t.Errorf("Parse(%q).Vendor = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
