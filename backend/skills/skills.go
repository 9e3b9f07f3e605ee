// Package skills is the platform's shared skill vocabulary: the curated
// tags people pick for tasks (TASK-1) and, later, for provider profiles,
// and the synonyms that map the spellings people type ("golang", "k8s") to
// one canonical tag ("go", "kubernetes"). Tags outside the vocabulary are
// allowed; they are normalised the same way (trimmed, single-spaced,
// lower-cased).
package skills

import "strings"

// Vocabulary is the curated list of canonical tags, in the order a picker
// shows them.
var Vocabulary = []string{
	"go", "java", "python", "javascript", "typescript", "php", "c++", "c#", "rust", "kotlin", "swift",
	"react", "vue", "angular", "node.js", "spring", "django", "flutter", "react native",
	"wechat mini-program", "android", "ios",
	"postgresql", "mysql", "redis", "mongodb", "elasticsearch", "oracle",
	"docker", "kubernetes", "linux", "aws", "alibaba cloud", "tencent cloud", "ci/cd",
	"machine learning", "deep learning", "pytorch", "tensorflow", "data analysis", "sql",
	"ui design", "ux design", "figma", "testing", "selenium",
}

// synonyms maps other spellings to their canonical tag. Keys are already
// normalised (lower case, single spaces).
var synonyms = map[string]string{
	"golang":       "go",
	"js":           "javascript",
	"ecmascript":   "javascript",
	"ts":           "typescript",
	"postgres":     "postgresql",
	"pg":           "postgresql",
	"psql":         "postgresql",
	"k8s":          "kubernetes",
	"node":         "node.js",
	"nodejs":       "node.js",
	"vue.js":       "vue",
	"vuejs":        "vue",
	"reactjs":      "react",
	"react.js":     "react",
	"cpp":          "c++",
	"csharp":       "c#",
	"py":           "python",
	"python3":      "python",
	"mini program": "wechat mini-program",
	"mini-program": "wechat mini-program",
	"miniprogram":  "wechat mini-program",
	"小程序":          "wechat mini-program",
	"微信小程序":        "wechat mini-program",
	"aliyun":       "alibaba cloud",
	"阿里云":          "alibaba cloud",
	"腾讯云":          "tencent cloud",
	"ml":           "machine learning",
	"机器学习":         "machine learning",
	"dl":           "deep learning",
	"深度学习":         "deep learning",
	"数据分析":         "data analysis",
	"es":           "elasticsearch",
	"mongo":        "mongodb",
	"cicd":         "ci/cd",
	"ci":           "ci/cd",
	"ui":           "ui design",
	"ux":           "ux design",
	"qa":           "testing",
	"测试":           "testing",
}

// Normalise returns the canonical form of a tag: surrounding and repeated
// spaces removed, lower case, and a known synonym replaced by its
// canonical tag. A blank tag stays "".
func Normalise(tag string) string {
	t := strings.ToLower(strings.Join(strings.Fields(tag), " "))
	if c, ok := synonyms[t]; ok {
		return c
	}
	return t
}

// Known reports whether tag, once normalised, is in the vocabulary.
func Known(tag string) bool {
	t := Normalise(tag)
	for _, v := range Vocabulary {
		if v == t {
			return true
		}
	}
	return false
}
