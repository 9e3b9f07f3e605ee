package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/matching"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	required := map[string]string{
		"TALENT_DATABASE_URL": "postgres://talent:pg-secret@db:5432/talent",
		"TALENT_REDIS_URL":    "redis://:redis-secret@cache:6379/0",
		"TALENT_S3_ENDPOINT":  "minio:9000",
		"TALENT_FIELD_KEYS":   fieldcrypt.GenerateKey("k1"),
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(config) bool
		wantErr string
	}{
		{name: "defaults", env: required, args: []string{"--web-dir", "/srv/web"},
			check: func(c config) bool {
				return c.HTTPAddr == "127.0.0.1:8080" && c.OpsAddr == "127.0.0.1:9090" &&
					slices.Equal(c.Services, []string{"audit", "events", "identity", "matching", "moderation", "notifications", "providers", "repositories", "tasks", "web"}) &&
					c.CookieSecure && c.Migrate && !c.S3Secure && c.LogFormat == "json" && c.LogLevel == "info" &&
					c.DatabaseReplicaURL == ""
			}},
		{name: "env", env: merge(required, map[string]string{
			"TALENT_HTTP_ADDR": ":8081", "TALENT_SERVICES": "tasks, identity", "TALENT_COOKIE_SECURE": "false",
			"TALENT_S3_SECURE": "1", "TALENT_MIGRATE": "false", "TALENT_LOG_FORMAT": "text", "TALENT_LOG_LEVEL": "debug",
		}),
			check: func(c config) bool {
				return c.HTTPAddr == ":8081" && slices.Equal(c.Services, []string{"identity", "tasks"}) &&
					!c.CookieSecure && c.S3Secure && !c.Migrate && c.LogFormat == "text" && c.LogLevel == "debug"
			}},
		{name: "flags override env", env: merge(required, map[string]string{"TALENT_HTTP_ADDR": ":8081", "TALENT_COOKIE_SECURE": "false"}),
			args: []string{"--http-addr", ":8082", "--cookie-secure", "--services", "tasks"},
			check: func(c config) bool {
				return c.HTTPAddr == ":8082" && c.CookieSecure && slices.Equal(c.Services, []string{"tasks"})
			}},
		{name: "all required missing, in one line", args: []string{"--services", "tasks"},
			wantErr: "invalid config: --database-url (TALENT_DATABASE_URL) is required; --redis-url (TALENT_REDIS_URL) is required; " +
				"--s3-endpoint (TALENT_S3_ENDPOINT) is required; --field-keys (TALENT_FIELD_KEYS) is required"},
		{name: "bad field keys", env: merge(required, map[string]string{"TALENT_FIELD_KEYS": "k1:c2hvcnQ="}), args: []string{"--services", "tasks"},
			wantErr: `invalid config: --field-keys: fieldcrypt: key "k1": key is 5 bytes: want 32`},
		{name: "field keys and passkeys", env: merge(required, map[string]string{
			"TALENT_FIELD_KEYS":       fieldcrypt.GenerateKey("k2") + "," + fieldcrypt.GenerateKey("k1"),
			"TALENT_WEBAUTHN_RP_ID":   "talent.example.cn",
			"TALENT_WEBAUTHN_ORIGINS": "https://talent.example.cn, https://m.talent.example.cn",
		}), args: []string{"--services", "identity"},
			check: func(c config) bool {
				return c.FieldKeys.CurrentID() == "k2" && c.WebAuthnRPID == "talent.example.cn" &&
					slices.Equal(c.WebAuthnOrigins, []string{"https://talent.example.cn", "https://m.talent.example.cn"})
			}},
		{name: "web needs web dir", env: required,
			wantErr: "invalid config: --web-dir (TALENT_WEB_DIR) is required when serving web"},
		{name: "unknown service", env: required, args: []string{"--services", "identity,payments"},
			wantErr: `invalid config: unknown service "payments" in --services: want identity, tasks, notifications, audit, events, repositories, moderation, matching, providers, web or all`},
		{name: "bad bool in env", env: merge(required, map[string]string{"TALENT_MIGRATE": "yes please"}), args: []string{"--services", "tasks"},
			wantErr: `invalid config: TALENT_MIGRATE="yes please": want true or false`},
		{name: "bad log level", env: required, args: []string{"--services", "tasks", "--log-level", "loud"},
			wantErr: `invalid config: log level "loud": want debug, info, warn or error`},
		{name: "stray argument", env: required, args: []string{"--services", "tasks", "serve"},
			wantErr: "invalid config: unexpected arguments: serve"},
		{name: "sms provider defaults to log", env: required, args: []string{"--services", "identity"},
			check: func(c config) bool {
				return c.SMSProvider == "log" && c.SMSAliyunEndpoint == "https://dysmsapi.aliyuncs.com"
			}},
		{name: "aliyun sms from env", env: merge(required, map[string]string{
			"TALENT_SMS_PROVIDER": "aliyun", "TALENT_SMS_ALIYUN_ENDPOINT": "http://127.0.0.1:9999",
			"TALENT_SMS_ALIYUN_ACCESS_KEY_ID": "id", "TALENT_SMS_ALIYUN_ACCESS_KEY_SECRET": "secret",
			"TALENT_SMS_ALIYUN_SIGN_NAME": "Talent", "TALENT_SMS_ALIYUN_TEMPLATE_CODE": "SMS_1",
		}), args: []string{"--services", "identity"},
			check: func(c config) bool {
				return c.SMSProvider == "aliyun" && c.SMSAliyunEndpoint == "http://127.0.0.1:9999" &&
					c.SMSAliyunAccessKeyID == "id" && c.SMSAliyunAccessSecret == "secret" &&
					c.SMSAliyunSignName == "Talent" && c.SMSAliyunTemplateCode == "SMS_1"
			}},
		{name: "aliyun sms incomplete", env: required, args: []string{"--services", "identity", "--sms-provider", "aliyun",
			"--sms-aliyun-access-key-id", "id"},
			wantErr: "invalid config: --sms-provider aliyun: aliyun sms: missing access key secret, sign name, template code"},
		{name: "unknown sms provider", env: required, args: []string{"--services", "identity", "--sms-provider", "carrier-pigeon"},
			wantErr: `invalid config: --sms-provider "carrier-pigeon": want log or aliyun`},
		{name: "trusted proxies", env: merge(required, map[string]string{"TALENT_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7/24"}),
			args: []string{"--services", "identity"},
			check: func(c config) bool {
				return len(c.TrustedProxies) == 2 && c.TrustedProxies[0].String() == "10.0.0.0/8" &&
					c.TrustedProxies[1].String() == "192.168.1.0/24"
			}},
		{name: "bad trusted proxy", env: required, args: []string{"--services", "identity", "--trusted-proxies", "10.0.0.1"},
			wantErr: `invalid config: --trusted-proxies: "10.0.0.1" is not a CIDR such as 10.0.0.0/8`},
		{name: "per-IP limit factor", env: merge(required, map[string]string{"TALENT_PER_IP_LIMIT_FACTOR": "20"}),
			args:  []string{"--services", "identity"},
			check: func(c config) bool { return c.PerIPLimitFactor == 20 }},
		{name: "per-IP limit factor defaults to 1", env: required, args: []string{"--services", "identity"},
			check: func(c config) bool { return c.PerIPLimitFactor == 1 }},
		{name: "bad per-IP limit factor", env: merge(required, map[string]string{"TALENT_PER_IP_LIMIT_FACTOR": "lots"}),
			args:    []string{"--services", "identity", "--per-ip-limit-factor", "0"},
			wantErr: `invalid config: TALENT_PER_IP_LIMIT_FACTOR="lots": want a whole number; --per-ip-limit-factor 0: want 1 or more`},
		{name: "match weights default to 40/30/20/10", env: required, args: []string{"--services", "matching"},
			check: func(c config) bool { return c.MatchWeights == matching.DefaultWeights }},
		{name: "match weights", env: merge(required, map[string]string{"TALENT_MATCH_WEIGHTS": "5, 3, 1, 1"}),
			args: []string{"--services", "matching"},
			check: func(c config) bool {
				return c.MatchWeights == matching.Weights{Skill: 5, History: 3, Location: 1, Price: 1}
			}},
		{name: "bad match weights", env: required, args: []string{"--services", "matching", "--match-weights", "1,2,3"},
			wantErr: `invalid config: --match-weights "1,2,3": want four non-negative numbers, skill,history,location,price, not all 0`},
		{name: "unknown flag", env: required, args: []string{"--port", "80"},
			wantErr: "flag provided but not defined: -port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			cfg, err := parseConfig(append([]string{"talentd"}, tt.args...), getenv, io.Discard)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parseConfig error = %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			if !tt.check(cfg) {
				t.Fatalf("parseConfig = %+v", cfg)
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"talentd", "-h"}, noEnv, &out); err != nil {
		t.Fatalf("run -h: %v", err)
	}
	for _, want := range []string{"-database-url", "TALENT_DATABASE_URL", "-services"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("usage does not mention %s:\n%s", want, out.String())
		}
	}
	if _, err := parseConfig([]string{"talentd", "-help"}, noEnv, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseConfig -help: err = %v, want flag.ErrHelp", err)
	}
}

func TestConfigLogMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg := config{
		DatabaseURL:        "postgres://talent:pg-secret@db:5432/talent?sslmode=disable",
		DatabaseReplicaURL: "host=replica user=talent password=replica-secret",
		RedisURL:           "redis://:redis-secret@cache:6379/0",
		S3AccessKey:        "talent-access",
		S3SecretKey:        "s3-secret",
		Services:           []string{"tasks"},

		SMSProvider:           "aliyun",
		SMSAliyunAccessKeyID:  "LTAIkeyid",
		SMSAliyunAccessSecret: "aliyun-secret",
	}
	keySpec := fieldcrypt.GenerateKey("k2")
	_, keySecret, _ := strings.Cut(keySpec, ":")
	var err error
	if cfg.FieldKeys, err = fieldcrypt.ParseKeyring(keySpec); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting talentd", "config", cfg)
	out := buf.String()
	for _, secret := range []string{"pg-secret", "replica-secret", "redis-secret", "s3-secret", "aliyun-secret", keySecret} {
		if strings.Contains(out, secret) {
			t.Fatalf("config log shows %s: %s", secret, out)
		}
	}
	for _, want := range []string{`"database_url":"postgres://talent:xxxxx@db:5432/talent?sslmode=disable"`,
		`"s3_access_key":"talent-access"`, `"s3_secret_key":"xxxxx"`, `"services":"tasks"`,
		`"sms_aliyun_access_key_id":"LTAIkeyid"`, `"sms_aliyun_access_key_secret":"xxxxx"`, `"field_keys":{"current":"k2","ids":"k2"}`} {
		if !strings.Contains(out, want) {
			t.Fatalf("config log = %s\nwant it to contain %s", out, want)
		}
	}
}

func TestStartupErrorsAreOneClearLine(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	pgAddr, redisAddr := testenv.ClosedAddr(t), testenv.ClosedAddr(t)
	tests := []struct {
		name    string
		args    func(t *testing.T) []string
		wantErr string
	}{
		{
			name: "postgres down",
			args: func(*testing.T) []string {
				return []string{"talentd", "--services", "tasks", "--database-url", "postgres://talent:pw@" + pgAddr + "/talent",
					"--redis-url", "redis://" + redisAddr, "--s3-endpoint", testenv.ClosedAddr(t),
					"--field-keys", fieldcrypt.GenerateKey("k1")}
			},
			wantErr: "connect to postgres at " + pgAddr + ": connection refused",
		},
		{
			name: "redis down",
			args: func(t *testing.T) []string {
				return replaceArg(testArgs(t), "--redis-url", "redis://"+redisAddr)
			},
			wantErr: "connect to redis at " + redisAddr + ": connection refused",
		},
		{
			name: "address in use",
			args: func(t *testing.T) []string {
				return replaceArg(testArgs(t), "--http-addr", busy.Addr().String())
			},
			wantErr: "listen on " + busy.Addr().String() + ": address already in use",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := run(t.Context(), tt.args(t), noEnv, io.Discard)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("run error = %v\nwant %s", err, tt.wantErr)
			}
		})
	}
}

// replaceArg sets the value following flag name in args.
func replaceArg(args []string, name, value string) []string {
	i := slices.Index(args, name)
	out := slices.Clone(args)
	out[i+1] = value
	return out
}
