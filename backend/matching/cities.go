package matching

import (
	"math"
	"strings"
)

// city is a place with coordinates, named in English and Chinese.
type city struct {
	en, zh   string
	lat, lon float64
}

// cityTable places the cities most tasks name; a provider or task in
// another city still matches by exact name, with no distance.
var cityTable = []city{
	{"beijing", "北京", 39.90, 116.41}, {"shanghai", "上海", 31.23, 121.47},
	{"guangzhou", "广州", 23.13, 113.26}, {"shenzhen", "深圳", 22.54, 114.06},
	{"hangzhou", "杭州", 30.27, 120.16}, {"chengdu", "成都", 30.57, 104.07},
	{"wuhan", "武汉", 30.59, 114.31}, {"nanjing", "南京", 32.06, 118.80},
	{"xi'an", "西安", 34.34, 108.94}, {"suzhou", "苏州", 31.30, 120.59},
	{"tianjin", "天津", 39.34, 117.36}, {"chongqing", "重庆", 29.56, 106.55},
	{"changsha", "长沙", 28.23, 112.94}, {"xiamen", "厦门", 24.48, 118.09},
	{"qingdao", "青岛", 36.07, 120.38}, {"dalian", "大连", 38.91, 121.61},
	{"hefei", "合肥", 31.82, 117.23}, {"zhengzhou", "郑州", 34.75, 113.63},
	{"jinan", "济南", 36.65, 117.12}, {"shenyang", "沈阳", 41.81, 123.43},
	{"kunming", "昆明", 25.04, 102.71}, {"fuzhou", "福州", 26.07, 119.30},
	{"harbin", "哈尔滨", 45.80, 126.53}, {"ningbo", "宁波", 29.87, 121.54},
	{"dongguan", "东莞", 23.02, 113.75}, {"foshan", "佛山", 23.02, 113.12},
	{"wuxi", "无锡", 31.49, 120.31}, {"nanning", "南宁", 22.82, 108.32},
	{"guiyang", "贵阳", 26.65, 106.63}, {"taiyuan", "太原", 37.87, 112.55},
	{"hong kong", "香港", 22.32, 114.17}, {"taipei", "台北", 25.03, 121.57},
	{"singapore", "新加坡", 1.35, 103.82}, {"tokyo", "东京", 35.68, 139.69},
}

// cityKey normalises a city name: "Shanghai", " 上海市 " and "上海" are one.
func cityKey(name string) string {
	k := strings.ToLower(strings.Join(strings.Fields(name), " "))
	k = strings.TrimSuffix(k, "市")
	k = strings.TrimSuffix(k, " city")
	for _, c := range cityTable {
		if k == c.zh {
			return c.en
		}
	}
	return k
}

// cityCoords returns the coordinates of a normalised city name.
func cityCoords(key string) (lat, lon float64, ok bool) {
	for _, c := range cityTable {
		if c.en == key {
			return c.lat, c.lon, true
		}
	}
	return 0, 0, false
}

// distanceKM is the great-circle distance between two points.
func distanceKM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
