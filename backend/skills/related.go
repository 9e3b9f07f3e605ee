package skills

import "slices"

// relatedPairs lists canonical tags whose skills carry over in part: a
// React developer can take on much of a Vue task, a PostgreSQL DBA much of
// a MySQL one. The relation is symmetric; Related returns both directions.
// The matching engine (backend/matching) counts a related skill at a
// fraction of an exact one (MATCH-1).
var relatedPairs = [][2]string{
	{"javascript", "typescript"}, {"javascript", "node.js"}, {"typescript", "node.js"},
	{"react", "vue"}, {"react", "angular"}, {"vue", "angular"}, {"react", "react native"},
	{"react", "javascript"}, {"vue", "javascript"}, {"angular", "typescript"},
	{"flutter", "react native"}, {"android", "kotlin"}, {"ios", "swift"},
	{"android", "flutter"}, {"ios", "flutter"}, {"wechat mini-program", "javascript"},
	{"wechat mini-program", "vue"},
	{"java", "kotlin"}, {"java", "spring"}, {"python", "django"}, {"c++", "rust"}, {"c#", "java"},
	{"go", "rust"}, {"go", "c++"},
	{"postgresql", "mysql"}, {"postgresql", "sql"}, {"mysql", "sql"}, {"oracle", "sql"},
	{"mysql", "oracle"}, {"redis", "mongodb"}, {"mongodb", "elasticsearch"},
	{"docker", "kubernetes"}, {"docker", "linux"}, {"kubernetes", "ci/cd"}, {"docker", "ci/cd"},
	{"aws", "alibaba cloud"}, {"aws", "tencent cloud"}, {"alibaba cloud", "tencent cloud"},
	{"kubernetes", "aws"}, {"kubernetes", "alibaba cloud"},
	{"machine learning", "deep learning"}, {"deep learning", "pytorch"}, {"deep learning", "tensorflow"},
	{"pytorch", "tensorflow"}, {"machine learning", "python"}, {"machine learning", "data analysis"},
	{"data analysis", "sql"}, {"data analysis", "python"},
	{"ui design", "ux design"}, {"ui design", "figma"}, {"ux design", "figma"},
	{"testing", "selenium"},
}

// related maps each canonical tag to its related tags, built once from
// relatedPairs.
var related = func() map[string][]string {
	m := map[string][]string{}
	for _, p := range relatedPairs {
		m[p[0]] = append(m[p[0]], p[1])
		m[p[1]] = append(m[p[1]], p[0])
	}
	for k := range m {
		slices.Sort(m[k])
		m[k] = slices.Compact(m[k])
	}
	return m
}()

// Related returns the canonical tags related to tag (normalised first),
// sorted; nil for a tag with none. The caller must not modify the result.
func Related(tag string) []string {
	if r, ok := related[tag]; ok { // already canonical: no allocation
		return r
	}
	return related[Normalise(tag)]
}
