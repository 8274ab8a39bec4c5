//go:build !integration

package parse_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/locale"
	"github.com/receipts-api/receipts/internal/parse"
)

// TestNumbersByCountry: amounts are read the way each country writes
// them.
func TestNumbersByCountry(t *testing.T) {
	tests := []struct {
		country, text, want string
		decimals            int
	}{
		{"DE", "1.195,39", "1195.39", 2},
		{"DE", "EUR 14,16", "14.16", 2},
		{"DE", "Pfand 0,25-", "-0.25", 2},
		{"DE", "-6,00", "-6.00", 2},
		{"DE", "1.195", "1195", 0},
		{"DE", "0,162 kg", "0.162", 3},
		{"DE", "*756,37", "756.37", 2},
		{"DE", "x 1.195,39", "1195.39", 2},
		{"DE", "SUMME EUR 26 , 90", "26.90", 2},
		{"TR", "TOPLAM *1.195,39", "1195.39", 2},
		{"TR", "KDV %18 *4,68", "4.68", 2},
		{"US", "$56.58", "56.58", 2},
		{"US", "1,195.39", "1195.39", 2},
		{"US", "COUPON 1.00-", "-1.00", 2},
		{"US", "1.195", "1.195", 3},
		{"MY", "RM8.50", "8.50", 2},
		{"MY", "1,000", "1000", 0},
		{"MY", "1.195", "1.195", 3},
		{"MY", "0.25-", "0.25", 2}, // Malaysian receipts print no minus after an amount
		{"", "1.195,39", "1195.39", 2},
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+tt.text, func(t *testing.T) {
			got, dec, ok := parse.Amount(tt.text, parse.Options{Country: tt.country})
			if !ok || got != tt.want || dec != tt.decimals {
				t.Errorf("Amount(%q, %s) = %q, %d decimals, %v; want %q, %d", tt.text, tt.country, got, dec, ok, tt.want, tt.decimals)
			}
		})
	}
}

// TestDatesByCountry: numeric dates in the country's order, month names
// in its languages, and with no country known, what else the receipt says.
func TestDatesByCountry(t *testing.T) {
	upload := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		country, text, want string
	}{
		{"US", "3/10/2017 14:22", "2017-03-10"},
		{"US", "03/10/17", "2017-03-10"},
		{"DE", "03.10.2017", "2017-10-03"},
		{"TR", "TARIH: 15.03.2019 SAAT: 14:25", "2019-03-15"},
		{"TR", "TARİH : 04/05/2019", "2019-05-04"},
		{"GB", "04/05/2019", "2019-05-04"},
		{"US", "Jun 26, 15", "2015-06-26"},
		{"US", "13-Jul-2018", "2018-07-13"},
		{"US", "Feb23'19 12:01PM", "2019-02-23"},
		{"DE", "18. Mai 2020", "2020-05-18"},
		{"DE", "Datum: 3. März 2020", "2020-03-03"},
		{"TR", "12 Mart 2019", "2019-03-12"},
		{"TR", "5 Ağustos 2019", "2019-08-05"},
		{"FR", "Le 5 janvier 2020", "2020-01-05"},
		{"FR", "12 févr. 2020", "2020-02-12"},
		{"ES", "Fecha: 5 ene 2020", "2020-01-05"},
		{"IT", "DATA 5 gennaio 2020", "2020-01-05"},
		{"NL", "5 maart 2020", "2020-03-05"},
		{"RS", "DATUM: 05.03.2019.", "2019-03-05"},
		// No country known: a dollar says month first, a euro day first.
		{"", "TOTAL $9.00\n03/10/2017", "2017-03-10"},
		{"", "TOTAL 9,00 €\n03/10/2017", "2017-10-03"},
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+tt.text, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{Now: upload, Country: tt.country}).Date; got != tt.want {
				t.Errorf("Date of %q (%s) = %q, want %q", tt.text, tt.country, got, tt.want)
			}
		})
	}
}

// sample receipts of each country, as OCR reads them: the country's
// labels, number and date formats, and evidence.
var samples = []struct {
	country, text                                string
	total, subtotal, tax, currency, date, vendor string
}{
	{"DE", "ALDI\nPohlweg 110\n33100 Paderborn\nUNSERE ÖFFNUNGSZEITEN\nBIO HONIG 3,29 C\nKIWI 1,49 C\nPfand 0,25 A\nLeergut -0,25 A\n" +
		"ZU ZAHLEN EURO 4,78\nBARGELD 10,00\nZURÜCK 5,22\nMWST Netto MWST-BETRAG BRUTTO\nC 7,00% 4,47 0,31 4,78\n" +
		"Vielen Dank für Ihren Einkauf!\nAldi GmbH & Co. KG, Schloß Holte\n10(1&107 8746 ) 09:48 02.03.2020",
		"4.78", "", "0.31", "EUR", "2020-03-02", "Aldi GmbH & Co. KG"},
	{"DE", "Lidl\nWarburger Straße 130\n33100 Paderborn\nEUR\nEmmentaler Stück 2,59 x 2 5,18 A\nBulgur-Kräuter 0,99 x 2 1,98 A\n" +
		"zu zahlen 7,16\nBar 10,00\nRückgeld -2,84\nMWST% MWST + Netto = Brutto\nA 7 % 0,47 6,69 7,16\nSumme 0,47 6,69 7,16\n" +
		"3182 748433/01 02.03.20 15:59\nUST-ID-NR: DE814689550",
		"7.16", "", "0.47", "EUR", "2020-03-02", "Lidl"},
	{"DE", "Marktkauf Lehr\nDetmolder Str. 4\n33102 Paderborn\nTel. 05251 / 180420\nwww.marktkauf-lehr.de\nEUR\n" +
		"SMIRNOFF VODKA 0,7L 12,99 C\nMORTADELLA 0,99 B\nSUMME EUR 13,98\nMastercard EUR 13,98\nMwSt NETTO MwSt UMSATZ\n" +
		"B 7% 0,93 0,06 0,99\nC 19% 10,92 2,07 12,99\nDatum Uhrzeit Filiale Pos Bed Bon\n20.04.20 09:50 0000545 001 002 8571",
		"13.98", "", "2.13", "EUR", "2020-04-20", "Marktkauf Lehr"},
	{"US", "CORNER GROCERY\n123 Main St\nSpringfield, IL 62704\n(217) 555-0100\n03/10/17 14:22\nBANANAS 0.58\nMILK 2.99\n" +
		"SUBTOTAL 3.57\nTAX 1 6.250 % 0.22\nROUNDING 0.00\nTOTAL $3.79\nVISA TEND 3.79\nCHANGE DUE 0.00",
		"3.79", "3.57", "0.22", "USD", "2017-03-10", "CORNER GROCERY"},
	{"US", "Joe's Diner LLC\n45 Ocean Ave\nSanta Monica, CA 90401\nJun 26, 15 7:41 PM\nBurger 12.50\nFries 4.25\nSubtotal $16.75\n" +
		"Sales Tax $1.59\nBALANCE DUE $18.34\nCash $20.00\nChange $1.66\nThank you!",
		"18.34", "16.75", "1.59", "USD", "2015-06-26", "Joe's Diner LLC"},
	{"TR", "MİGROS TİCARET A.Ş.\nATATÜRK MAH. TURGUT ÖZAL BULV. NO:7\nATAŞEHİR İSTANBUL\nBÜYÜK MÜKELLEFLER V.D. 6220529513\n" +
		"TARİH : 15.03.2019 SAAT : 14:25\nFİŞ NO : 0034\nEKMEK %01 *2,50\nSÜT 1L %01 *4,95\nDETERJAN %18 *1.190,90\n" +
		"TOPKDV *181,74\nTOPLAM *1.198,35\nNAKİT *1.200,00\nPARA ÜSTÜ *1,65\nZ NO:1234 EKÜ NO:1",
		"1198.35", "", "181.74", "TRY", "2019-03-15", "MİGROS TİCARET A.Ş."},
	{"TR", "ŞOK MARKETLER TİC. A.Ş.\nKOZYATAĞI MAH. DEĞERLİ SK. NO:1\nKADIKÖY İSTANBUL\n12/04/2019 FİŞ NO:0112\n" +
		"SU 0,5L *1,00\nPEYNİR *21,90\nARA TOPLAM *22,90\nTOPKDV *0,23\nTOPLAM *22,90\nKREDİ KARTI *22,90",
		"22.90", "22.90", "0.23", "TRY", "2019-04-12", "ŞOK MARKETLER TİC. A.Ş."},
	{"TR", "A101 YENI MAGAZACILIK A.S.\nTARIH:04.05.2019 SAAT:10:11\nDETERJAN %18 x29,90\nTOPKDV x4,56\nTOPLAM x29,90\nKREDI KARTI x29,90",
		"29.90", "", "4.56", "TRY", "2019-05-04", "A101 YENI MAGAZACILIK A.S."}, // OCR reads the stars as x
	{"US", "Walmart\nSave money. Live better.\n( 479 ) 273 - 1234\n2110 W WALNUT ST\nROGERS AR 72756\nST# 05483 OP# 009044 TE# 44 TR# 01301\n" +
		"BREAD 007225003712 F 2.88 N\nGV MILK 007874235186 F 3.48 N\nSUBTOTAL 6.36\nTAX 1 8.000 % 0.51\nTOTAL 6.87\nCASH TEND 10.00\n" +
		"CHANGE DUE 3.13\n# ITEMS SOLD 2\n03/10/17 14:23:45",
		"6.87", "6.36", "0.51", "USD", "2017-03-10", "Walmart"},
	{"GB", "TESCO STORES LTD\nCHESHUNT EN8 9SL\nVAT NO GB 220 4302 31\nMILK 1.10\nBREAD 0.85\nTOTAL £1.95\nCASH £5.00\nCHANGE £3.05\n04/05/2019 17:01",
		"1.95", "", "", "GBP", "2019-05-04", "TESCO STORES LTD"},
	{"FR", "CARREFOUR MARKET\n12 RUE DE LA PAIX\n75002 PARIS\nSIRET 451 321 335 00017\nPAIN 1,20\nLAIT 0,95\nTOTAL TTC 2,15\n" +
		"ESPECES 5,00\nRENDU 2,85\nTVA 5,5% 0,11\nLe 12/02/2020 à 10:11\nMERCI DE VOTRE VISITE",
		"2.15", "", "0.11", "EUR", "2020-02-12", "CARREFOUR MARKET"},
	{"ES", "MERCADONA S.A.\nC/ MAYOR 12\n28013 MADRID\nNIF: A-46103834\nFACTURA SIMPLIFICADA\nPAN 0,85\nLECHE 0,79\nTOTAL (€) 1,64\n" +
		"EFECTIVO 2,00\nCAMBIO 0,36\nIVA 4% 0,06\n05/02/2020 19:40\nGRACIAS POR SU VISITA",
		"1.64", "", "0.06", "EUR", "2020-02-05", "MERCADONA S.A."},
	{"IT", "COOP ITALIA S.C.\nVIA ROMA 1\n40121 BOLOGNA\nP.IVA 01234567890\nDOCUMENTO COMMERCIALE\nPANE 1,50\nLATTE 1,20\n" +
		"TOTALE COMPLESSIVO 2,70\nCONTANTI 5,00\nRESTO 2,30\nDI CUI IVA 0,25\n05-02-2020 19:40",
		"2.70", "", "0.25", "EUR", "2020-02-05", ""},
	{"NL", "ALBERT HEIJN B.V.\nDAMSTRAAT 1\n1012 JL AMSTERDAM\nBROOD 2,19\nMELK 1,09\nTOTAAL 3,28\nPINNEN 3,28\nBTW 9% 0,27\n" +
		"BTW NL002230884B01\n05-02-2020 19:40\nBEDANKT EN TOT ZIENS",
		"3.28", "", "0.27", "EUR", "2020-02-05", "ALBERT HEIJN B.V."},
	{"MY", "KEDAI BUKU SDN BHD\nNO. 5, JALAN SS2/24\n47300 PETALING JAYA, SELANGOR\nGST ID: 000306020352\n" +
		"PEN 2.00\nTOTAL INCL GST RM 2.12\nROUNDING -0.02\nTOTAL ROUNDED RM 2.10\nCASH RM 5.00\nCHANGE RM 2.90\n25/12/2018 10:11",
		"2.10", "", "", "MYR", "2018-12-25", "KEDAI BUKU SDN BHD"},
}

// TestSamplesByCountry: each country's sample is recognised as from there
// and read by its labels, numbers and dates.
func TestSamplesByCountry(t *testing.T) {
	upload := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range samples {
		t.Run(s.country+" "+strings.SplitN(s.text, "\n", 2)[0], func(t *testing.T) {
			f := parse.Text(s.text, parse.Options{Now: upload})
			for _, c := range []struct{ name, got, want string }{
				{"Country", f.Country, s.country}, {"Total", f.Total, s.total}, {"Currency", f.Currency, s.currency},
				{"Date", f.Date, s.date}, {"Tax", f.Tax, s.tax}, {"Subtotal", f.Subtotal, s.subtotal},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
				}
			}
			if s.vendor != "" && f.Vendor != s.vendor {
				t.Errorf("Vendor = %q, want %q", f.Vendor, s.vendor)
			}
		})
	}
}

// TestTaxRowPrintsItsSum: a tax summary's row that prints its amount
// before tax, its tax and their sum is read as that, whatever pair of its
// amounts a rate would also fit (1,95 x 16% is about 0,31 too).
func TestTaxRowPrintsItsSum(t *testing.T) {
	text := "Mein Drogeriemarkt\n27.02.2020 15:56 Kasse 02\nBRILLENPUTZTUCH €1,95 A\nTotal ol ie\n" +
		"MWST Gruppe Netto MWST Total\nMwSt Total 1,64 0,31 1,95\nUSt-IdNr. DE 115 055 186\nDirk Rossmann GmbH"
	f := parse.Text(text, parse.Options{})
	if f.Country != "DE" || f.Total != "1.95" || f.Tax != "0.31" {
		t.Errorf("country %q, total %q, tax %q; want DE, 1.95, 0.31", f.Country, f.Total, f.Tax)
	}
}

// TestCountryHintWins: a client's country decides over the receipt's
// evidence.
func TestCountryHintWins(t *testing.T) {
	text := "TOTAL $9.00\n03/10/2017"
	if f := parse.Text(text, parse.Options{}); f.Country != "US" || f.Date != "2017-03-10" {
		t.Fatalf("detected: country %q, date %q; want US, 2017-03-10", f.Country, f.Date)
	}
	f := parse.Text(text, parse.Options{Country: "DE"})
	if f.Country != "DE" || f.Date != "2017-10-03" {
		t.Errorf("hinted DE: country %q, date %q; want DE, 2017-10-03", f.Country, f.Date)
	}
	if f := parse.Text(text, parse.Options{Country: "XX"}); f.Country != "US" {
		t.Errorf("an unknown hint: country %q, want the evidence's US", f.Country)
	}
}

// TestTooLittleEvidenceNamesNoCountry: a receipt that says nothing of its
// country gets no country's rules.
func TestTooLittleEvidenceNamesNoCountry(t *testing.T) {
	for _, text := range []string{"TOTAL 12.30", "SHOP\nTOTAL 9.00\nCASH 10.00\nCHANGE 1.00", "GST 5% 0.43\nTOTAL 9,00 €"} {
		if f := parse.Text(text, parse.Options{}); f.Country != "" {
			t.Errorf("%q: country %q, want none", text, f.Country)
		}
	}
}

// TestMalaysianRulesStaySilentElsewhere: receipts of other countries that
// hold the words Malaysia's rules fire on are read by their own.
func TestMalaysianRulesStaySilentElsewhere(t *testing.T) {
	upload := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	t.Run("a German receipt with PERAK inside a word", func(t *testing.T) {
		f := parse.Text("SUPERAKTION Joghurt 0,99\nSUMME EUR 0,99\nBAR 1,00\nRÜCKGELD 0,01\nVielen Dank für Ihren Einkauf", parse.Options{Now: upload})
		if f.Country != "DE" || f.Currency != "EUR" || f.Total != "0.99" {
			t.Errorf("country %q, currency %q, total %q; want DE, EUR, 0.99", f.Country, f.Currency, f.Total)
		}
	})
	t.Run("a US receipt with ROUNDING 0.00: no 5-cent rounding", func(t *testing.T) {
		text := "WALMART\nROGERS AR 72756\nSUBTOTAL 12.00\nTAX 0.34\nROUNDING 0.00\nTOTAL 12.34\nCASH 20.00\nCHANGE 7.66"
		f := parse.Text(text, parse.Options{Now: upload})
		if f.Country != "US" || f.Total != "12.34" || hasWarning(f.Warnings, "multiple of") || f.Confidence["total"] < 0.8 {
			t.Errorf("country %q, total %q, confidence %v, warnings %q; want US, 12.34, confident, no rounding warning", f.Country, f.Total, f.Confidence["total"], f.Warnings)
		}
		my := parse.Text(text, parse.Options{Now: upload, Country: "MY"})
		if !hasWarning(my.Warnings, "multiple of 0.05") {
			t.Errorf("read as Malaysian: warnings %q; want the 5-sen rounding's", my.Warnings)
		}
	})
	t.Run("a German receipt: no 6% tax share", func(t *testing.T) {
		// 0.60 is 6/106 of 10.60, the card payment: Malaysia's tax share
		// would make it the total over the label.
		text := "REWE Markt GmbH\nTOTAL EUR 1,60\nTAX 0,60\nVISA 10,60\nDatum 02.03.2020"
		if f := parse.Text(text, parse.Options{Now: upload}); f.Country != "DE" || f.Total != "1.60" {
			t.Errorf("country %q, total %q; want DE, 1.60", f.Country, f.Total)
		}
		if f := parse.Text(text, parse.Options{Now: upload, Country: "MY"}); f.Total != "10.60" {
			t.Errorf("read as Malaysian: total %q; want the tax share's 10.60", f.Total)
		}
	})
	t.Run("a receipt charging GST elsewhere may be older than Malaysia's GST", func(t *testing.T) {
		text := "CAFE\nGST 5% 0.43\n17.06.13 12:56\nTOTAL $9.00\nSYDNEY NSW 2000"
		if f := parse.Text(text, parse.Options{Now: upload, Country: "US"}); f.Date != "2013-06-17" {
			t.Errorf("date %q, want 2013-06-17", f.Date)
		}
	})
	t.Run("SON BHO is repaired only where SDN BHD is a legal form", func(t *testing.T) {
		if f := parse.Text("KEDAI ABC SON BHO\nTOTAL 9.00", parse.Options{Country: "MY"}); f.Vendor != "KEDAI ABC SDN BHD" {
			t.Errorf("Malaysian vendor %q, want KEDAI ABC SDN BHD", f.Vendor)
		}
		if f := parse.Text("KEDAI ABC SON BHO\nTOTAL 9.00", parse.Options{Country: "GB"}); strings.Contains(f.Vendor, "SDN") {
			t.Errorf("British vendor %q: repaired to a Malaysian legal form", f.Vendor)
		}
	})
}

// TestNoCountryRuleFiresForAnother reads every sample as every other
// country would detect it, and checks that the rules that fired are the
// detected country's only: a cash rounding only where the profile rounds
// cash, a tax's start date only for the profile's taxes.
func TestNoCountryRuleFiresForAnother(t *testing.T) {
	upload := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range samples {
		// Every rule's trigger on one receipt: a zero rounding under an
		// amount off the 5-cent steps, a GST-era date with GST named.
		text := s.text + "\nROUNDING 0.00\nGST 0.00\n17.06.13 12:56"
		f := parse.Text(text, parse.Options{Now: upload})
		p, ok := locale.Get(f.Country)
		if !ok {
			t.Errorf("%s sample: no country detected", s.country)
			continue
		}
		if hasWarning(f.Warnings, "multiple of") && p.CashRounding == "" {
			t.Errorf("%s sample read as %s: a cash rounding warning though %s rounds no cash: %q", s.country, f.Country, f.Country, f.Warnings)
		}
		sinceAny := slices.ContainsFunc(p.Taxes, func(t locale.Tax) bool { return t.Since != "" })
		if hasWarning(f.Warnings, "2013-06-17 is not a plausible") && !sinceAny {
			t.Errorf("%s sample read as %s: a tax's start date set a 2013 date aside: %q", s.country, f.Country, f.Warnings)
		}
	}
}

func hasWarning(ws []string, part string) bool {
	return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, part) })
}

// TestVendorFromTheHeadersDomain: a header whose name is a logo that
// does not read names its seller by its web address.
func TestVendorFromTheHeadersDomain(t *testing.T) {
	text := "~~ ||| ~~\nwww.shop-example.com\nTOTAL $9.00\nVISA 9.00\nwww.cardprocessor.com"
	if f := parse.Text(text, parse.Options{}); f.Vendor != "shop-example.com" {
		t.Errorf("vendor %q, want the header's domain shop-example.com", f.Vendor)
	}
}

// TestIdentifiers: what names the seller on paper, for the review loop's
// vendor memory.
func TestIdentifiers(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]string
	}{
		{"Malaysian company and GST numbers",
			"BOOK TA .K (TAMAN DAYA) SDN BHD (1132462-T)\nNO.53 55,57 & 59, JALAN SAGU 18,\n81100 JOHOR BAHRU, JOHOR.\nTEL: 07-3566800\nGST ID NO: 001099988992\nTOTAL 9.00",
			map[string]string{"registration": "1132462-T", "tax": "001099988992", "phone": "073566800", "address": "NO.53 55,57 & 59"}},
		{"German VAT id, phone and web domain",
			"Marktkauf Lehr\nDetmolder Str. 4\n33102 Paderborn\nTel. 05251 / 180420\nwww.marktkauf-lehr.de\nSUMME EUR 13,98\nUST-ID-NR: DE814689550",
			map[string]string{"vat": "DE814689550", "domain": "marktkauf-lehr.de", "address": "DETMOLDER STR. 4"}},
		{"Turkish tax number", "MİGROS TİCARET A.Ş.\nBÜYÜK MÜKELLEFLER V.D. VKN: 6220529513\nTOPLAM *12,50",
			map[string]string{"tax": "6220529513"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse.Text(tt.text, parse.Options{}).Identifiers
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("Identifiers[%q] = %q, want %q (all: %q)", k, got[k], v, got)
				}
			}
		})
	}
}
