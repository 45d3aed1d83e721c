package idrules_test

import (
	"fmt"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

func ExampleValidateResidentID() {
	at := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	id, reasons := idrules.ValidateResidentID("11010519491231002X", at)
	fmt.Println(id.BirthDate, id.Sex, id.Region.Name, len(reasons))

	_, reasons = idrules.ValidateResidentID("110105194912310021", at)
	fmt.Println(reasons[0].Code)
	fmt.Println(reasons[0].Message.In(i18n.EN))
	// Output:
	// 1949-12-31 female 北京市朝阳区 0
	// ID_CHECK_CHARACTER
	// The last character does not match the rest of the number: a digit was probably mistyped or two digits were swapped.
}

func ExampleParseMRZ() {
	m, reasons := idrules.ParseMRZ([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}, time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(m.Format, m.DocumentNumber, m.Surname+",", m.GivenNames, m.BirthDate, m.ExpiryDate, idrules.Valid(reasons))
	// Output:
	// TD3 L898902C3 ERIKSSON, ANNA MARIA 1974-08-12 2012-04-15 true
}

func ExampleCompareNames() {
	c := idrules.CompareNames("阿依古丽·买买提", "阿依古丽.买买")
	fmt.Println(c.Match, c.Diffs[0].Kind, c.Diffs[0].Position, c.Diffs[0].Expected)
	fmt.Println(c.Reasons[0].Message.In(i18n.ZH))
	// Output:
	// false missing 8 提
	// 您填写的姓名比证件上少了一个字：缺少第 8 个字“提”。
}

func ExampleParsePhone() {
	p, _ := idrules.ParsePhone("138 1234 5678", "CN")
	fmt.Println(p.E164, p.Region, p.Mobile)
	// Output:
	// +8613812345678 CN true
}
