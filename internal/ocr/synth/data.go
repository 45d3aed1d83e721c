package synth

import (
	"fmt"
	"math/rand/v2"
	"time"
)

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌浩宇子轩欣怡梓涵一诺俊杰思远晨阳佳琪雨萱博文宏亮春燕海燕鑫瑞凯欢婷雪琳晓东晓明丹丹天佑嘉懿泽楷")

// Rare characters that real names use and OCR dictionaries often lack.
var rareChars = []rune("堃喆玥珺赟镕昇翀犇淼焱垚鑫旻晞煜")

var minorityNames = []string{
	"阿卜杜拉·买买提", "古丽米拉·艾力", "热依拉·吐尔逊", "努尔·艾合买提", "阿依古丽·卡德尔",
	"买买提·吐尔洪", "巴图·孟和", "扎西·多吉", "迪丽娜尔·阿不都", "艾尔肯·亚森",
}

var ethnicities = []string{"汉", "汉", "汉", "汉", "汉", "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈萨克", "傣"}

type region struct {
	code, prov, city, district string
}

var regions = []region{
	{"110101", "北京市", "", "东城区"},
	{"110105", "北京市", "", "朝阳区"},
	{"310104", "上海市", "", "徐汇区"},
	{"440106", "广东省", "广州市", "天河区"},
	{"440305", "广东省", "深圳市", "南山区"},
	{"330106", "浙江省", "杭州市", "西湖区"},
	{"320102", "江苏省", "南京市", "玄武区"},
	{"510107", "四川省", "成都市", "武侯区"},
	{"420106", "湖北省", "武汉市", "武昌区"},
	{"610113", "陕西省", "西安市", "雁塔区"},
	{"650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区"},
	{"540102", "西藏自治区", "拉萨市", "城关区"},
	{"370202", "山东省", "青岛市", "市南区"},
	{"500103", "重庆市", "", "渝中区"},
}

var streets = []string{"人民路", "解放路", "中山路", "建设大街", "和平里", "长江路", "幸福街", "文化路", "朝阳北路", "新华大街", "滨江大道", "学院路"}
var communities = []string{"", "阳光花园", "翠苑小区", "幸福家园", "锦绣华庭", "金色家园", ""}

var pinyin = map[rune]string{}

// pinyinOf romanises a name for the passport page; a stand-in table is
// enough because the check is that the MRZ and printed Latin name agree.
func pinyinOf(r rune) string {
	if p, ok := pinyin[r]; ok {
		return p
	}
	syl := []string{"WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO", "WU", "ZHOU", "XU", "SUN", "MA", "ZHU", "HU", "GUO", "HE", "GAO", "LIN", "LUO", "WEI", "FANG", "NA", "XIU", "YING", "MIN", "JING", "QIANG", "LEI", "JUN", "YANG", "YONG", "YAN", "JIE", "JUAN", "TAO", "MING", "CHAO", "KUN", "ZHE", "YUE", "YUN", "RONG"}
	return syl[int(r)%len(syl)]
}

// person is one random identity.
type person struct {
	Name      string // Chinese name as printed
	Surname   string // Latin surname (passport)
	Given     string // Latin given names (passport)
	Sex       string // 男 or 女
	Ethnicity string
	Birth     time.Time
	Address   string
	IDNumber  string
	Region    region
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// randomPerson draws an identity; about 1 in 8 names carries a rare
// character and 1 in 12 is a transliterated name with a middle dot.
func randomPerson(r *rand.Rand, prefix string) person {
	var p person
	switch {
	case r.IntN(12) == 0:
		p.Name = pick(r, minorityNames)
	default:
		name := []rune{pick(r, surnames)}
		n := 1 + r.IntN(2)
		for i := 0; i < n; i++ {
			if r.IntN(8) == 0 {
				name = append(name, pick(r, rareChars))
			} else {
				name = append(name, pick(r, givenChars))
			}
		}
		p.Name = string(name)
	}
	rs := []rune(p.Name)
	p.Surname = pinyinOf(rs[0])
	for _, c := range rs[1:] {
		if c == '·' {
			continue
		}
		p.Given += pinyinOf(c)
	}
	if r.IntN(2) == 0 {
		p.Sex = "男"
	} else {
		p.Sex = "女"
	}
	p.Ethnicity = pick(r, ethnicities)
	p.Birth = time.Date(1940+r.IntN(66), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	p.Region = pick(r, regions)
	addr := p.Region.prov + p.Region.city + p.Region.district + pick(r, streets) + fmt.Sprintf("%d号", 1+r.IntN(300))
	if c := pick(r, communities); c != "" {
		addr += c + fmt.Sprintf("%d栋%d室", 1+r.IntN(30), 101+r.IntN(20)*100+r.IntN(6))
	}
	p.Address = addr
	code := p.Region.code
	if prefix != "" {
		code = prefix
	}
	seq := 1 + r.IntN(998)
	if (seq%2 == 1) != (p.Sex == "男") {
		seq++
	}
	p.IDNumber = IDNumber(code + p.Birth.Format("20060102") + fmt.Sprintf("%03d", seq))
	return p
}

// IDNumber appends the GB 11643 MOD 11-2 check character to 17 digits.
func IDNumber(body17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body17[i]-'0') * weights[i]
	}
	return body17 + string("10X98765432"[sum%11])
}

// MRZCheck is the ICAO 9303 check digit of s (weights 7, 3, 1).
func MRZCheck(s string) byte {
	w := []int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	return byte('0' + sum%10)
}
