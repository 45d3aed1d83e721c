// Package screening screens people and companies against sanctions and PEP
// lists: it imports the lists (OFAC SDN CSV, UN consolidated XML,
// OpenSanctions/Senzing JSON, a simple CSV), normalises every name and alias
// (case, accents, punctuation, name order, company suffixes, Han characters
// to pinyin, Wade-Giles and Hong Kong romanisations), and finds candidates
// through an index of tokens, typo neighbourhoods and phonetic keys, so that
// no query scans a whole list. Each hit carries an explanation of which name
// matched, token by token, and which other fields agreed or conflicted.
//
// It depends on no adapter: the lists, hits and re-screening cursors are
// kept by a Store (internal/sqlstore implements it).
package screening

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// Sources a list can be imported from (Entity.List, ListVersion.Source).
const (
	SourceOFAC    = "ofac_csv"     // OFAC SDN legacy CSV set
	SourceUN      = "un_xml"       // UN Security Council consolidated list
	SourceSenzing = "senzing_json" // OpenSanctions / Senzing entity JSON
	SourceCSV     = "csv"          // the operator's own list
)

// Categories of listed entities (Entity.Category): a sanctions hit is
// SANCTIONS_HIT, a PEP hit PEP_HIT.
const (
	CategorySanc = "sanctions"
	CategoryPEP  = "pep"
)

// Kinds of listed entities (Entity.Kind).
const (
	KindPerson   = "person"
	KindEntity   = "entity"
	KindVessel   = "vessel"
	KindAircraft = "aircraft"
	KindUnknown  = "unknown"
)

// defaultListCap is the most hits one search returns.
const defaultListCap = 100

// Sources lists the importable sources.
var Sources = []string{SourceOFAC, SourceUN, SourceSenzing, SourceCSV}

// Entity is one listed person, organisation, vessel or aircraft.
type Entity struct {
	// ID is the entity's id in its list (OFAC ent_num, UN DATAID, …).
	ID string `json:"id"`
	// List is the source the entity was imported from.
	List string `json:"list"`
	// Kind is KindPerson, KindEntity, KindVessel, KindAircraft or KindUnknown.
	Kind string `json:"kind"`
	// Category is CategorySanc or CategoryPEP.
	Category string `json:"category"`
	// Names holds the primary name first, then aliases and names in their
	// original script, as the list writes them.
	Names []string `json:"names"`
	// BirthDates are YYYY, YYYY-MM or YYYY-MM-DD.
	BirthDates []string `json:"birth_dates,omitempty"`
	// Nationalities are ISO 3166-1 alpha-3 codes where known, else the text.
	Nationalities []string `json:"nationalities,omitempty"`
	// Documents are ID and passport numbers, uppercase letters and digits only.
	Documents []string `json:"documents,omitempty"`
	// Programs are the sanctions programmes or PEP positions.
	Programs []string `json:"programs,omitempty"`
}

// Hash fingerprints the entity's record: a false positive is remembered
// until it changes.
func (e *Entity) Hash() string {
	c := *e
	c.Names = slices.Clone(e.Names)
	b, _ := json.Marshal(c)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:16])
}

// ListVersion is one import of a list: its id (the version), the source,
// the SHA-256 of the file(s), how many entities and names it holds, and
// when it was imported.
type ListVersion struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	FileHash   string    `json:"file_hash"`
	Entities   int       `json:"entities"`
	Names      int       `json:"names"`
	ImportedAt time.Time `json:"imported_at"`
}

// Query is what is screened: a name and optionally a birth date
// (YYYY-MM-DD or YYYY), a nationality (any form idrules.ParseNationality
// reads) and document numbers.
type Query struct {
	Name        string   `json:"name"`
	BirthDate   string   `json:"birth_date,omitempty"`
	Nationality string   `json:"nationality,omitempty"`
	Documents   []string `json:"documents,omitempty"`
	Limit       int      `json:"limit,omitempty"`
	// MinScore overrides the index's threshold when above 0.
	MinScore float64 `json:"min_score,omitempty"`
}

// Hit is one listed entity a query matched.
type Hit struct {
	List        string      `json:"list"`
	EntityID    string      `json:"entity_id"`
	Category    string      `json:"category"`
	Kind        string      `json:"kind"`
	Name        string      `json:"name"`         // the entity's primary name
	MatchedName string      `json:"matched_name"` // the name or alias that matched
	Score       float64     `json:"score"`
	Explanation Explanation `json:"explanation"`
	entity      *Entity
}

// Entity returns the listed entity the hit is about.
func (h *Hit) Entity() *Entity { return h.entity }

// Explanation says why a hit scored as it did.
type Explanation struct {
	// NameScore is the name similarity before other fields counted.
	NameScore float64 `json:"name_score"`
	// Alias is true when the matched name is not the primary one.
	Alias bool `json:"alias"`
	// Script is "latin", or "pinyin" when the query was transliterated
	// from Han characters.
	Script string `json:"script"`
	// Tokens pairs each query token with the name token it matched.
	Tokens []TokenMatch `json:"tokens"`
	// Unmatched are tokens of the listed name no query token matched.
	Unmatched []string `json:"unmatched,omitempty"`
	// Fields are the other fields compared: birth_date, nationality, document.
	Fields []FieldMatch `json:"fields,omitempty"`
}

// TokenMatch is one aligned pair of tokens.
type TokenMatch struct {
	Query  string  `json:"query"`
	Listed string  `json:"listed,omitempty"`
	Score  float64 `json:"score"`
	// How is exact, romanisation (Wade-Giles/HK of the same syllables),
	// phonetic, fuzzy (typo) or none.
	How string `json:"how"`
}

// FieldMatch is one other field compared.
type FieldMatch struct {
	Field  string  `json:"field"`
	Result string  `json:"result"` // agree, partial, conflict
	Effect float64 `json:"effect"` // added to the score
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
