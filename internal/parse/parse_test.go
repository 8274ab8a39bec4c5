//go:build !integration

package parse_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/receipts-api/receipts/internal/parse"
	"github.com/receipts-api/receipts/internal/receipt"
)

// checkFields compares every scalar field, and the line items when want
// has any, reporting each difference.
func checkFields(t *testing.T, got, want receipt.Fields) {
	t.Helper()
	for _, f := range []struct{ name, got, want string }{
		{"Vendor", got.Vendor, want.Vendor},
		{"Address", got.Address, want.Address},
		{"Date", got.Date, want.Date},
		{"Total", got.Total, want.Total},
		{"Subtotal", got.Subtotal, want.Subtotal},
		{"Tax", got.Tax, want.Tax},
		{"Currency", got.Currency, want.Currency},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	if want.LineItems != nil && !reflect.DeepEqual(got.LineItems, want.LineItems) {
		t.Errorf("LineItems = %+v, want %+v", got.LineItems, want.LineItems)
	}
	for name, c := range got.Confidence {
		if c <= 0 || c > 1 {
			t.Errorf("Confidence[%q] = %v, want above 0, at most 1", name, c)
		}
	}
}

// TestParseReceipts runs Parse on Tesseract's text of real receipts
// (testdata/receipts, from the SROIE set). The wants are what the receipt
// says, as far as the OCR text lets anyone tell: where Tesseract misread
// a word the want keeps the misreading.
func TestParseReceipts(t *testing.T) {
	tests := []struct {
		file string
		want receipt.Fields
	}{
		{"000.txt", receipt.Fields{
			// A handwritten name above the company; "Round::d Total" misread
			// as 9.60 where "Total" and the zero rounding agree on 9.00.
			Vendor:   "BOOK TAK (TAMAN DAYA) SDN BHD",
			Address:  "NO.5? 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.",
			Date:     "2018-12-25",
			Total:    "9.00",
			Currency: "MYR",
			LineItems: []receipt.LineItem{
				{Description: "KF MODELLING CLAY KIDDY FISH", Quantity: "1", UnitPrice: "9.00", Amount: "9.00"},
			},
		}},
		{"015.txt", receipt.Fields{
			// The name is broken over two lines; "TolalAmtRounded 45.90" is
			// no rounding of "Tota! Incl. of GST 15.90".
			Vendor:   "HOME MASTER HARDWARE & ELECTRICAL",
			Address:  "NQ.113G & 115G, JALAN SETIA GEMBILANG, U13/GG BANDAR SETIA ALAM, 40770 BANDAR SETIA ALAM, SELANGOR",
			Date:     "2017-12-22",
			Total:    "15.90",
			Subtotal: "75.90", // "Subtoiat : 75.90", as Tesseract read it
			Currency: "MYR",
		}},
		{"030.txt", receipt.Fields{
			// "$" on a Malaysian receipt is ringgit; "GST @6%: 90.46" cannot
			// be the tax on 8.20.
			Vendor:   "UNIHAKKA INTERNATIONAL SDN BHD",
			Address:  "12, Jalan Tampoi 7/4,Kawasan Perindustrian, Tampoi,61200 Johor Bahru, Johor",
			Date:     "2018-03-05",
			Total:    "8.20",
			Currency: "MYR",
		}},
		{"060.txt", receipt.Fields{
			Vendor:   "BENS INDEPENDENT GROCER SDN. BHD",
			Address:  "Lot 6, Jalan Batai, Plaza Batai, Damansara Heights, 50490, Kuala Lumpur",
			Date:     "2018-03-12", // 12/03/18
			Total:    "77.20",
			Tax:      "3.03", // the 6% row of the GST analysis
			Currency: "MYR",
			LineItems: []receipt.LineItem{
				{Description: "Dole Pineapple", Quantity: "3", UnitPrice: "7.90", Amount: "23.70"},
				{Description: "Evian Mineral Water", Quantity: "1", UnitPrice: "53.50", Amount: "53.50"},
			},
		}},
		{"105.txt", receipt.Fields{
			Vendor:   "SWEET FOREST CAFE",
			Address:  "NO 21,JLN BUNGA KANTAN, TAMAN P.RAMLEE SETAPAK, 53008 KUALA LUMPUR.",
			Date:     "2018-02-14",
			Total:    "30.30",
			Subtotal: "28.58", // "Total (Excluding GST)"
			Tax:      "1.72",  // "GST payable (6%): 1,72"
			Currency: "MYR",
		}},
		{"180.txt", receipt.Fields{
			// The total sits under its label, as "RN 41.95%".
			Vendor:   "BHPetrol Subang Airport",
			Address:  "Jalan Lapangan Terbang Subang, 47200 Subang, Selangor",
			Date:     "2018-01-18",
			Total:    "41.95",
			Tax:      "2.37", // the GST summary's row
			Currency: "MYR",
		}},
		{"195.txt", receipt.Fields{
			Vendor:   "AEON CO. (M) BHD",
			Address:  "SRD FLR, AEON TAMAN MALURI SC, JLN JESAKA, TAMAN MALURT, CHERAS, 55100 KUALA LUMPUR",
			Date:     "2018-03-09",
			Total:    "31.00", // "Total After Adj Incl SST", not "Tota! Sales Inc] GST 31.60"
			Subtotal: "31.00",
			Tax:      "1.76", // from the GST summary's total row
			Currency: "MYR",
		}},
		{"225.txt", receipt.Fields{
			// Moroccan dirhams ("DH") are not named by any sign we trust.
			Vendor:  "RELAIS TOTAL OULMES",
			Address: "15000 KHEMISSET",
			Date:    "2018-03-30",
			Total:   "56.00",
		}},
		{"270.txt", receipt.Fields{
			Vendor:   "ELKEN SERVICE SDN BHD",
			Address:  "No 2-1 Jalan 3/137B Batu 5, Jalan Kelang Lama 58000 Kuala Lumpur",
			Date:     "2017-10-10", // 10 OCT 2017
			Total:    "250.00",
			Subtotal: "235.85",
			Tax:      "14.15", // the GST summary's row
			Currency: "MYR",
		}},
		{"330.txt", receipt.Fields{
			// "Total Payable" among partial "Total ... supplies" lines.
			Vendor:   "GARDENIA BAKERIES (KL) SDN BHD",
			Address:  "Lot 3, Jalan Pelabur 23/1, 40300 Shah Alam, Selangor.",
			Date:     "2017-07-30",
			Total:    "20.21",
			Currency: "MYR",
		}},
		{"405.txt", receipt.Fields{
			// 177,22 less the -.02 rounding is the 177,20 paid by card.
			Vendor:   "99 SPEED MART S/B",
			Address:  "LOT P.T. 33198, BATU 4, JALAN KAPAR, MUKIM KAPAR, 42100 KLANG, SELANGOR",
			Date:     "2016-05-11",
			Total:    "177.20",
			Currency: "MYR",
		}},
		{"435.txt", receipt.Fields{
			// TOTAL lost its amount; cash 100.00 less change 24. 30.
			Vendor:   "VERBENA CONFECTIONERY SDN BHD", // read "CONFECTIUNERY": U for O, a lexicon word
			Address:  "1, Jalan Sutera Tanjung 8/4, Tmn Sutera Utama, 81300 Skudai, JB.",
			Date:     "2018-05-12",
			Total:    "75.70",
			Currency: "MYR",
		}},
		{"540.txt", receipt.Fields{
			Vendor:   "UNIHAKKA INTERNATIONAL SDN BHD",
			Address:  "12, Jalan Tampoi 7/4,Kawasan Perindustrian, Tampoi,81200 Johor Bahru, Johor",
			Date:     "2018-06-22",
			Total:    "8.50", // "Nett Total: RM8.50" after "Rounding: RM0.02"
			Currency: "MYR",
			LineItems: []receipt.LineItem{
				{Description: "Imported Veggies", Quantity: "1", UnitPrice: "1.50", Amount: "1.50"},
				{Description: "Vege", Quantity: "1", UnitPrice: "4.15", Amount: "4.15"},
				{Description: "100100000171-Meat Dish", Quantity: "1", UnitPrice: "2.83", Amount: "2.83"},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("testdata", "receipts", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			checkFields(t, parse.Text(string(text), parse.Options{}), tt.want)
		})
	}
}

// TestParseSyntheticReceipts covers layouts and languages the SROIE
// receipts lack.
func TestParseSyntheticReceipts(t *testing.T) {
	tests := []struct {
		name, text string
		want       receipt.Fields
	}{
		{
			"united states",
			"CORNER GROCERY\nSupercenter\n123 Main St\nSpringfield, IL 62704\n(217) 555-0100\n03/14/2019 14:22\n" +
				"BANANAS 0.58\nMILK 2.99\nSUBTOTAL 3.57\nTAX 1 6.250 % 0.22\nTOTAL $3.79\nVISA TEND 3.79\nCHANGE DUE 0.00",
			receipt.Fields{
				Vendor: "CORNER GROCERY", Address: "123 Main St, Springfield, IL 62704", Date: "2019-03-14",
				Total: "3.79", Subtotal: "3.57", Tax: "0.22", Currency: "USD",
			},
		},
		{
			"serbia",
			"PRODAVNICA DOO\nBulevar Oslobodjenja 12\n21000 Novi Sad\nPIB: 100000000\n----FISKALNI RACUN----\n" +
				"Hleb 1 x 75,00 75,00\nMleko 2 x 120,00 240,00\nUkupan iznos: 315,00\nGotovina: 500,00\nPovracaj: 185,00\n05.03.2019. 12:22:10",
			receipt.Fields{
				Vendor: "PRODAVNICA DOO", Address: "Bulevar Oslobodjenja 12, 21000 Novi Sad", Date: "2019-03-05",
				Total: "315.00", Currency: "RSD",
				LineItems: []receipt.LineItem{
					{Description: "Hleb", Quantity: "1", UnitPrice: "75.00", Amount: "75.00"},
					{Description: "Mleko", Quantity: "2", UnitPrice: "120.00", Amount: "240.00"},
				},
			},
		},
		{
			// The shared scan's text as a whole receipt would read: the scan
			// itself cuts the first letter off its labels.
			"serbia, cyrillic",
			"ФИСКАЛНИ РАЧУН\n110572920\nBELGRADE AIRPORT\n11180 Београд 59\nБеоград-Сурчин\nКасир: 009\n" +
				"Артикли\nНазив Цена Количина Укупно\nKratkorocni parking/Kom. (Ђ)\n2.400,00 1 2.400,00\n" +
				"Укупан износ: 2.400,00\nПлатна картица: 2.400,00\nПовраћај: 0,00\nОзнака Име Стопа Порез\n" +
				"Ђ О-ПДВ 20,00% 400,00\nУкупан износ пореза: 400,00\nПФР време: 20.03.2023. 00:47:17",
			receipt.Fields{
				Vendor: "BELGRADE AIRPORT", Date: "2023-03-20", Total: "2400.00", Tax: "400.00", Currency: "RSD",
				LineItems: []receipt.LineItem{
					{Description: "Kratkorocni parking/Kom.", Quantity: "1", UnitPrice: "2400.00", Amount: "2400.00"},
				},
			},
		},
		{
			"germany",
			"Beispiel Markt GmbH\n10115 Berlin\nBANANEN 1,99 B\nSUMME EUR 12,34\nGeg. BAR EUR 20,00\nRuckgeld EUR 7,66\n04.03.19 12:00",
			receipt.Fields{
				Vendor: "Beispiel Markt GmbH", Address: "10115 Berlin", Date: "2019-03-04",
				Total: "12.34", Currency: "EUR",
			},
		},
		{
			"united kingdom",
			"Example Stores Ltd\n1 High Street\nLondon\nMILK £1.20\nBREAD £0.90\nTOTAL £2.10\nCARD £2.10\n05/03/2019",
			receipt.Fields{
				Vendor: "Example Stores Ltd", Address: "1 High Street, London", Date: "2019-03-05",
				Total: "2.10", Currency: "GBP",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFields(t, parse.Text(tt.text, parse.Options{}), tt.want)
		})
	}
}

func TestParseDates(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"dd/mm/yyyy", "Date: 25/12/2018 8:13:39 PM", "2018-12-25"},
		{"dd-mm-yyyy", "Date : 14-02-2018 13:02:42", "2018-02-14"},
		{"dd.mm.yyyy", "05.03.2018. 12:40", "2018-03-05"},
		{"dd/mm/yy", "Tax Invoice : BATO2201803120255 12/03/18", "2018-03-12"},
		{"dd-mm-yy", "28-04-18 15:40 SHO1 ZJ86", "2018-04-28"},
		{"yyyy-mm-dd", "[Sales]2018-01-05 22:55:25", "2018-01-05"},
		{"dd MON yyyy", "05 Mar 2018 18:24", "2018-03-05"},
		{"dd MON yyyy weekday", "DATE : 10 OCT 2017 TUE", "2017-10-10"},
		{"MON dd, yyyy", "MAR 05, 2018", "2018-03-05"},
		{"full month name", "Print Time: Thursday, 14 December, 2017 12:48:02", "2017-12-14"},
		{"dd-Mon-yy", "10-Oct-17", "2017-10-10"},
		{"labelled date wins", "Member since 01/01/2015\nDate: 09/03/2018", "2018-03-09"},
		{"expiry date loses", "Points expiry 31/10/2020\n18-01-2018 15:44", "2018-01-18"},
		{"impossible day", "31/02/2018", ""},
		{"impossible month", "Date: 24/16/2617\nDD: 24/10/2017 12:17", "2017-10-24"},
		{"part of a phone number", "Tel. : 05.22.95.66.66", ""},
		{"unknown month", "27 Mat 2018", ""},
		{"no date", "THANK YOU", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{}).Date; got != tt.want {
				t.Errorf("Parse(%q).Date = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestParseDayMonthOrder pins the rule documented on parseDate: a part
// above 12 decides; otherwise day first, except for USD.
func TestParseDayMonthOrder(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"ringgit is day first", "03/04/2018\nTOTAL RM 1.00", "2018-04-03"},
		{"unknown currency is day first", "03/04/2018\nTOTAL 1.00", "2018-04-03"},
		{"euro is day first", "03/04/2018\nTOTAL 1,00 €", "2018-04-03"},
		{"pound is day first", "03/04/2018\nTOTAL £1.00", "2018-04-03"},
		{"dinar is day first", "03.04.2018\nUKUPNO 100,00 din", "2018-04-03"},
		{"dollar is month first", "03/04/2018\nTOTAL $1.00", "2018-03-04"},
		{"day above 12 decides for dollars", "13/04/2018\nTOTAL $1.00", "2018-04-13"},
		{"day above 12 decides for ringgit", "04/13/2018\nTOTAL RM 1.00", "2018-04-13"},
		{"neither can be a month", "13/14/2018", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{}).Date; got != tt.want {
				t.Errorf("Parse(%q).Date = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseTotals(t *testing.T) {
	tests := []struct {
		name, text        string
		total, sub, taxes string
	}{
		{"thousands separator and currency", "TOTAL RM 7,838.80", "7838.80", "", ""},
		{"decimal comma", "Total : 6,00", "6.00", "", ""},
		{"european grouping", "GRAND TOTAL 1.234,56 €", "1234.56", "", ""},
		{"currency glued on", "Nett Total: RM8.50", "8.50", "", ""},
		{"space inside the number", "TOTAL : 9, 60", "9.60", "", ""},
		{"amount on the next line", "Round::d Total (RM):\n\n9.60", "9.60", "", ""},
		{"amount due", "AMOUNT DUE 5.55", "5.55", "", ""},
		{"the label's last letter lost", "Sub-Total : 15.60\nCoupon Discount - 8.90\nGrand Tota: : 6.70\nPayment 50.00\nChange Due 43.30", "6.70", "15.60", ""},
		{"total (rm)", "TOTAL (RM) 12.30", "12.30", "", ""},
		{"rounded total wins", "Total 10.03\nRounding Adj -0.03\nRounded Total 10.00", "10.00", "", ""},
		{"rounding computed", "Total Sales (Inclusive GST) RM 177,22\nRounding Adjustment RM -.02\nCREDIT RM 177,20", "177.20", "", ""},
		{"misread rounded total", "Total Incl. of GST 15.90\nTotalAmtRounded 45.90", "15.90", "", ""},
		{
			"skips counts, discounts and tax",
			"SUBTOTAL 10.00\nTOTAL QTY 2\nTOTAL ITEMS 3\nTOTAL DISCOUNT 1.00\nTOTAL GST 0.60\nTOTAL 10.60",
			"10.60", "10.00", "0.60",
		},
		{"total incl gst", "Sub Total 10.00\nGST 6% 0.60\nTOTAL INCL GST 10.60", "10.60", "10.00", "0.60"},
		{"nett total after charges", "Sub Total 10.00\nService Charge 10% 1.00\nGST 6% 0.66\nNett Total 11.66", "11.66", "10.00", "0.66"},
		{"tax included in total is not the total", "Total Incl. GST@6% RM 53.20\nGST @6% included in total RM 3.01", "53.20", "", "3.01"},
		{"cash less change", "TOTAL\nCASH 100.00\nCHANGE 24.30", "75.70", "", ""},
		{"tax summary is not the total", "TOTAL 99.00\nGST SUMMARY\nTotal : 93.40 5.60", "99.00", "", "5.60"},
		{"label without amount", "TOTAL\nTHANK YOU", "", "", ""},
		{"cyrillic label in lower case", "Млеко 120,00\nукупно 120,00", "120.00", "", ""},
		{"total of the tax is not the total", "Ukupan iznos: 240,00\nUkupan iznos poreza: 40,00", "240.00", "", ""},
		{"total of the tax, cyrillic", "Укупан износ: 240,00\nУкупан износ пореза: 40,00", "240.00", "", ""},
		{"negative total", "TOTAL -5.00", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse.Text(tt.text, parse.Options{})
			if got.Total != tt.total || got.Subtotal != tt.sub || got.Tax != tt.taxes {
				t.Errorf("Parse(%q) total, subtotal, tax = %q, %q, %q; want %q, %q, %q",
					tt.text, got.Total, got.Subtotal, got.Tax, tt.total, tt.sub, tt.taxes)
			}
		})
	}
}

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"ringgit", "TOTAL RM 9.00", "MYR"},
		{"ringgit code", "TOTAL MYR 9.00", "MYR"},
		{"euro", "SUMME 9,00 €", "EUR"},
		{"pound", "TOTAL £9.00", "GBP"},
		{"dinar code", "UKUPNO 900,00 RSD", "RSD"},
		{"dinar", "UKUPNO 900,00 din.", "RSD"},
		{"dollar alone", "TOTAL $9.00", "USD"},
		{"dollar in malaysia", "ACME SDN BHD\n81200 Johor Bahru, Johor\nTOTAL $9.00", "MYR"},
		{"stray pound in malaysia", "ACME SDN BHD\nSELANGOR\nTOTAL £4.00", "MYR"},
		{"a misread name, a malaysian town", "ACME SUN BH\nSEKSYEN U3, 40170 SHAH ALA,\n30.00 $\nTOTAL 30.00", "MYR"},
		{"a town's name inside another word", "KLANGWERK GMBH\nHAUPTSTR 3\nTOTAL 12.00 €", "EUR"},
		{"a town's name as a word", "ACME TRADING\n41000 KLANG\nTOTAL 30.00 $", "MYR"},
		{"nothing", "TOTAL 9.00", ""},
		{"a tie is unknown", "TOTAL 9.00 EUR\nTOTAL 9.00 GBP", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{}).Currency; got != tt.want {
				t.Errorf("Parse(%q).Currency = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseVendorAndAddress(t *testing.T) {
	tests := []struct {
		name, text, vendor, address string
	}{
		{
			"legal form under debris",
			"Ao30i8\n\nUNIHAKKA INTERNATIONAL SDN BHD\n05 Mar 2018 18:24\n(867388-U)\n12, Jalan Tampoi 7/4,\n81200 Johor Bahru, Johor\nTAX INVOICE",
			"UNIHAKKA INTERNATIONAL SDN BHD", "12, Jalan Tampoi 7/4, 81200 Johor Bahru, Johor",
		},
		{
			"registration number dropped",
			"TRI SHAAS SDN BHD (728515-M)\nMYDIN MART SRI MUDA\n4-20, Jalan Ria 25/62\nSeksyen 25, 40400 Shah Alam\nTel : 03-51217970",
			"TRI SHAAS SDN BHD", "4-20, Jalan Ria 25/62, Seksyen 25, 40400 Shah Alam",
		},
		{
			"misread legal form and initials",
			"MR. D.1.¥. (KUCHAI) SON BHO\nLOT 1851-A, JALAN KPB 6,\n43300 SERI KEMBANGAN, SELANGOR\n(GST ID No :000473792512)",
			"MR. D.I.Y. (KUCHAI) SDN BHD", "LOT 1851-A, JALAN KPB 6, 43300 SERI KEMBANGAN, SELANGOR",
		},
		{
			"legal form's second word misread after SDN read right",
			"MEGAH RETAIL SDN BUR\nNO 3, JALAN BESAR\n43000 KAJANG, SELANGOR",
			"MEGAH RETAIL SDN BHD", "NO 3, JALAN BESAR, 43000 KAJANG, SELANGOR",
		},
		{
			"legal form's first word misread before BHD read right",
			"WATSONS STORES SCH BHD\nNO 3, JALAN BESAR\n43000 KAJANG, SELANGOR",
			"WATSONS STORES SDN BHD", "NO 3, JALAN BESAR, 43000 KAJANG, SELANGOR",
		},
		{
			"SRI before BHD is a word of the name",
			"MAJU SRI BHD\nNO 3, JALAN BESAR\n43000 KAJANG, SELANGOR",
			"MAJU SRI BHD", "NO 3, JALAN BESAR, 43000 KAJANG, SELANGOR",
		},
		{
			"name without legal form",
			"SWEET FOREST CAFE\nNO 21,JLN BUNGA KANTAN\n53000 KUALA LUMPUR.\n(GST Reg. No : 000465809488)",
			"SWEET FOREST CAFE", "NO 21,JLN BUNGA KANTAN, 53000 KUALA LUMPUR.",
		},
		{
			"elsewhere",
			"MAXI DOO\nBulevar Oslobodjenja 12, Novi Sad\nPIB 100000000\nUKUPNO 1.234,00",
			"MAXI DOO", "Bulevar Oslobodjenja 12, Novi Sad",
		},
		{
			"store policy above the name",
			"GOODS SOLD ARE NOT RETURNABLE\nPELANGI BARU TRADERS\nNO 8, JALAN MAJU 3,\n43000 KAJANG\nTel: 03-8736 1122",
			"PELANGI BARU TRADERS", "NO 8, JALAN MAJU 3, 43000 KAJANG",
		},
		{
			"slogan above the name",
			"Kindly Check Your Goods Before Leaving\nSETIA JAYA\nNO 8, JALAN MAJU 3,\n43000 KAJANG",
			"SETIA JAYA", "NO 8, JALAN MAJU 3, 43000 KAJANG",
		},
		{
			"web name with a legal form",
			"KEDAIBUKU.COM SDN BHD (123456-A)\nNO 8, JALAN MAJU 3,\n43000 KAJANG\nwww.kedaibuku.com",
			"KEDAIBUKU.COM SDN BHD", "NO 8, JALAN MAJU 3, 43000 KAJANG",
		},
		{"address first: no vendor", "40301 Shah Alam, Selangor.\nTel: 03-55423228", "", ""},
		{"money is not a vendor", "TOTAL (RM):\n12.30", "", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse.Text(tt.text, parse.Options{})
			if got.Vendor != tt.vendor || got.Address != tt.address {
				t.Errorf("Parse(%q) vendor, address = %q, %q; want %q, %q", tt.text, got.Vendor, got.Address, tt.vendor, tt.address)
			}
		})
	}
}

func TestParseLineItems(t *testing.T) {
	tests := []struct {
		name, text string
		want       []receipt.LineItem
	}{
		{
			"description above the numbers",
			"ITEM QTY PRICE AMOUNT\nDole Pineapple Pcs\n8809059300708 7,90*3 23,70 Z\nTOTAL 23.70",
			[]receipt.LineItem{{Description: "Dole Pineapple", Quantity: "3", UnitPrice: "7.90", Amount: "23.70"}},
		},
		{
			"all on one line",
			"CAFE CREME 12.00 2 24.00\nCAFE EXPRESSO 10.00 2 20.00\nTotal : 44.00",
			[]receipt.LineItem{
				{Description: "CAFE CREME", Quantity: "2", UnitPrice: "12.00", Amount: "24.00"},
				{Description: "CAFE EXPRESSO", Quantity: "2", UnitPrice: "10.00", Amount: "20.00"},
			},
		},
		{
			"description below the numbers",
			"B.CODE & DESC. QTY U/PRICE AMT\n4971850134024 1 53.00 53.00\nCALCULATOR SCIENTIFIC\n27932 2 5.40 10.80\nGEL PEN\nSUB-TOTAL 63.80",
			[]receipt.LineItem{
				{Description: "CALCULATOR SCIENTIFIC", Quantity: "1", UnitPrice: "53.00", Amount: "53.00"},
				{Description: "GEL PEN", Quantity: "2", UnitPrice: "5.40", Amount: "10.80"},
			},
		},
		{"numbers that do not add up", "Smoked Duck Spaghetti\n1x 12.58 12.50 SR\nTOTAL 12.50", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse.Text(tt.text, parse.Options{}).LineItems; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q).LineItems = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseFindsNothingInNoise(t *testing.T) {
	for _, text := range []string{"", "\n\n\f\n", "| ~ — ‘ ;", "THANK YOU\nPLEASE COME AGAIN"} {
		t.Run(text, func(t *testing.T) {
			got := parse.Text(text, parse.Options{})
			if !got.IsZero() {
				t.Errorf("Parse(%q) = %+v, want nothing", text, got)
			}
		})
	}
}

// TestParseLargeInput guards against super-linear work: 4.5 MB of
// total-and-date lines parse in about 0.2 s (0.7 s under the race
// detector); quadratic work would take minutes. The bound is a liveness
// limit, generous enough for a machine busy with other tests.
func TestParseLargeInput(t *testing.T) {
	line := strings.Repeat("TOTAL 1,234.56 RM 12/03/2018 SUB TOTAL 9, 60 ", 20)
	text := strings.Repeat(line+"\n", 5000)
	start := time.Now()
	parse.Text(text, parse.Options{})
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Parse of %d bytes took %v: parsing is no longer linear in its input", len(text), d)
	}
}
