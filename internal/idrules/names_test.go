package idrules

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := map[string]string{
		"张三":                     "张三",
		"  张 三  ":                "张三",
		"张　三":                    "张三",
		"阿依古丽•买买提":               "阿依古丽·买买提",
		"阿依古丽・买买提":               "阿依古丽·买买提",
		"阿依古丽‧买买提":               "阿依古丽·买买提",
		"阿依古丽∙买买提":               "阿依古丽·买买提",
		"阿依古丽⋅买买提":               "阿依古丽·买买提",
		"阿依古丽･买买提":               "阿依古丽·买买提",
		"阿依古丽●买买提":               "阿依古丽·买买提",
		"阿依古丽.买买提":               "阿依古丽·买买提",
		"阿依古丽。买买提":               "阿依古丽·买买提",
		"阿依古丽 · 买买提":             "阿依古丽·买买提",
		"ＡＮＮＡ　ＭＡＲＩＡ":             "ANNA MARIA",
		"Anna   Maria\tEriksson": "Anna Maria Eriksson",
		"O’Brien":                "O'Brien",
		"Jean‐Luc":               "Jean-Luc",
		"J. R. R. Tolkien":       "J. R. R. Tolkien",
		"张\u200b三":               "张三",
		"𠀀𠀁":                     "𠀀𠀁",
		"":                       "",
	}
	for in, want := range tests {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		in     string
		script string
		codes  []string
	}{
		{"张三", ScriptHan, nil},
		{"欧阳娜娜", ScriptHan, nil},
		{"阿依古丽·买买提", ScriptHan, nil},
		{"阿卜杜拉·艾则孜·买买提", ScriptHan, nil},
		{"𠀀𠀁", ScriptHan, nil}, // CJK Extension B
		{"王〇", ScriptHan, nil},
		{"ANNA MARIA ERIKSSON", ScriptLatin, nil},
		{"Jean-Luc O'Brien", ScriptLatin, nil},
		{"José Müller", ScriptLatin, nil},
		{"Иван Петров", ScriptOther, nil},
		{"", "", []string{CodeNameEmpty}},
		{"   ", "", []string{CodeNameEmpty}},
		{"张", ScriptHan, []string{CodeNameTooShort}},
		{"张3", "", []string{CodeNameCharacter}},
		{"张三😀", "", []string{CodeNameCharacter}},
		{"张三Li", ScriptMixed, []string{CodeNameMixedScript}},
		{"Ivan Петров", ScriptMixed, []string{CodeNameMixedScript}},
		{"·张三", ScriptHan, []string{CodeNameDot}},
		{"张三·", ScriptHan, []string{CodeNameDot}},
		{"阿依古丽··买买提", ScriptHan, []string{CodeNameDot}},
		{"--", "", []string{CodeNameCharacter}},
		{strings.Repeat("张", 65), ScriptHan, []string{CodeNameTooLong}},
	}
	for _, tt := range tests {
		n, rs := CheckName(tt.in)
		if tt.script != "" && n.Script != tt.script {
			t.Errorf("CheckName(%q).Script = %q, want %q", tt.in, n.Script, tt.script)
		}
		t.Run(tt.in, func(t *testing.T) { assertCodes(t, rs, tt.codes...) })
	}
}

func TestCompareNames(t *testing.T) {
	tests := []struct {
		name            string
		expected, typed string
		match           bool
		codes           []string
		diffs           []NameDiff
		msgContains     string
	}{
		{"same", "张三", "张三", true, nil, nil, ""},
		{"normalised same", "阿依古丽·买买提", "阿依古丽.买买提", true, nil, nil, ""},
		{"case", "ANNA MARIA ERIKSSON", "Anna Maria Eriksson", true, nil, nil, ""},
		{"one fewer", "阿依古丽·买买提", "阿依古丽·买买", false, []string{CodeNameMissing},
			[]NameDiff{{Kind: DiffMissing, Position: 8, Expected: "提"}}, "one character fewer"},
		{"missing middle", "张三丰", "张丰", false, []string{CodeNameMissing},
			[]NameDiff{{Kind: DiffMissing, Position: 2, Expected: "三"}}, `"三" (character 2)`},
		{"one letter missing", "ERIKSSON", "ERIKSON", false, []string{CodeNameMissing},
			[]NameDiff{{Kind: DiffMissing, Position: 6, Expected: "S"}}, "one character fewer"},
		{"extra", "张三", "张三三", false, []string{CodeNameExtra},
			[]NameDiff{{Kind: DiffExtra, Position: 3, Typed: "三"}}, "one character more"},
		{"different", "张珊", "张姗", false, []string{CodeNameDifferent},
			[]NameDiff{{Kind: DiffDifferent, Position: 2, Expected: "珊", Typed: "姗"}}, `shows "珊", you typed "姗"`},
		{"missing space", "ANNA MARIA", "ANNAMARIA", false, []string{CodeNameMissing},
			[]NameDiff{{Kind: DiffMissing, Position: 5, Expected: " "}}, "␠"},
		{"two differences", "张三丰", "李四丰", false, []string{CodeNameMismatch},
			[]NameDiff{{Kind: DiffDifferent, Position: 1, Expected: "张", Typed: "李"}, {Kind: DiffDifferent, Position: 2, Expected: "三", Typed: "四"}}, "2 places"},
		{"order", "ERIKSSON ANNA MARIA", "ANNA MARIA ERIKSSON", false, []string{CodeNameOrder}, nil, "different order"},
		{"typed empty", "张三", "", false, []string{CodeNameEmpty}, nil, ""},
		{"too long", "张三", strings.Repeat("张", 300), false, []string{CodeNameTooLong}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CompareNames(tt.expected, tt.typed)
			if c.Match != tt.match {
				t.Errorf("match = %v", c.Match)
			}
			assertCodes(t, c.Reasons, tt.codes...)
			if tt.diffs != nil {
				if len(c.Diffs) != len(tt.diffs) {
					t.Fatalf("diffs = %+v, want %+v", c.Diffs, tt.diffs)
				}
				for i := range tt.diffs {
					if c.Diffs[i] != tt.diffs[i] {
						t.Errorf("diff %d = %+v, want %+v", i, c.Diffs[i], tt.diffs[i])
					}
				}
			}
			if tt.msgContains != "" && (len(c.Reasons) == 0 || !strings.Contains(c.Reasons[0].Message.EN, tt.msgContains)) {
				t.Errorf("message %+v does not contain %q", c.Reasons, tt.msgContains)
			}
		})
	}
}
