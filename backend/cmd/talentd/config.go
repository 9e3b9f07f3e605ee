package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/matching"
	"github.com/talent-hub/talent/backend/sms/aliyun"
	"github.com/talent-hub/talent/backend/telemetry"
)

// Service names for --services (ARCH-3).
const (
	serviceIdentity      = "identity"
	serviceTasks         = "tasks"
	serviceNotifications = "notifications"
	serviceAudit         = "audit"
	serviceEvents        = "events"
	serviceRepositories  = "repositories"
	serviceModeration    = "moderation"
	serviceProviders     = "providers"
	serviceWeb           = "web"
	serviceMatching      = "matching"
)

var allServices = []string{serviceIdentity, serviceTasks, serviceNotifications, serviceAudit, serviceEvents, serviceRepositories, serviceModeration, serviceMatching, serviceProviders, serviceWeb}

// config is talentd's effective configuration: defaults, overridden by
// environment variables, overridden by flags.
type config struct {
	HTTPAddr           string
	OpsAddr            string
	Services           []string
	DatabaseURL        string
	DatabaseReplicaURL string
	RedisURL           string
	S3Endpoint         string
	S3AccessKey        string
	S3SecretKey        string
	S3Secure           bool
	FilesURLPrefix     string // where the edge proxies the object store for browsers ("/files")
	WebDir             string
	CookieSecure       bool
	LogFormat          string
	LogLevel           string
	Migrate            bool
	// SMS: which sender texts login codes (ID-1), and Aliyun's settings.
	SMSProvider           string
	SMSAliyunEndpoint     string
	SMSAliyunAccessKeyID  string
	SMSAliyunAccessSecret string
	SMSAliyunSignName     string
	SMSAliyunTemplateCode string
	// PerIPLimitFactor multiplies the identity service's per-address limits
	// (sign-ups, logins, SMS codes per client IP), for deployments where
	// many people share one address, and for test suites that send
	// everything from 127.0.0.1. Per-account lockouts are not scaled.
	PerIPLimitFactor int
	// MatchWeights are the matching engine's skill, history, location and
	// price weights (MATCH-1).
	MatchWeights matching.Weights
	// TrustedProxies are the networks whose X-Forwarded-For names the
	// client, for rate limits; loopback is always trusted.
	TrustedProxies []netip.Prefix
	// FieldKeys encrypt sensitive fields (SEC-1); only their IDs are logged.
	FieldKeys *fieldcrypt.Keyring
	// WebAuthnRPID and WebAuthnOrigins name the site for passkeys (ID-4).
	WebAuthnRPID    string
	WebAuthnOrigins []string
	// Access (ID-1, SEC-4): the public origin, sign-in with GitHub and
	// WeChat, the privacy notice version in force.
	Access accessConfig
}

// SMS providers for --sms-provider.
const (
	smsProviderLog    = "log"
	smsProviderAliyun = "aliyun"
)

// serves reports whether this process serves the named service.
func (c config) serves(name string) bool { return slices.Contains(c.Services, name) }

// parseConfig reads the configuration from getenv and args (args[0] is the
// program name). It returns flag.ErrHelp after printing usage to out when
// asked for help.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var (
		cfg      config
		services string
		errs     []error
	)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	envBool := func(name string, def bool) bool {
		v := getenv(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
			return def
		}
		return b
	}
	envInt := func(name string, def int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number", name, v))
			return def
		}
		return n
	}

	name := "talentd"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.HTTPAddr, "http-addr", env("TALENT_HTTP_ADDR", "127.0.0.1:8080"),
		"address for Connect, gRPC, gRPC-Web and the web app (h2c) [TALENT_HTTP_ADDR]")
	fs.StringVar(&cfg.OpsAddr, "ops-addr", env("TALENT_OPS_ADDR", "127.0.0.1:9090"),
		"address for /metrics, /healthz and /readyz [TALENT_OPS_ADDR]")
	fs.StringVar(&services, "services", env("TALENT_SERVICES", "all"),
		"comma-separated services to serve: identity, tasks, web, matching, or all [TALENT_SERVICES]")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("TALENT_DATABASE_URL", ""),
		"Postgres primary URL, required [TALENT_DATABASE_URL]")
	fs.StringVar(&cfg.DatabaseReplicaURL, "database-replica-url", env("TALENT_DATABASE_REPLICA_URL", ""),
		"Postgres read replica URL; empty reads from the primary [TALENT_DATABASE_REPLICA_URL]")
	fs.StringVar(&cfg.RedisURL, "redis-url", env("TALENT_REDIS_URL", ""),
		"Redis URL, required [TALENT_REDIS_URL]")
	fs.StringVar(&cfg.S3Endpoint, "s3-endpoint", env("TALENT_S3_ENDPOINT", ""),
		"MinIO/S3 endpoint host:port, required [TALENT_S3_ENDPOINT]")
	fs.StringVar(&cfg.S3AccessKey, "s3-access-key", env("TALENT_S3_ACCESS_KEY", ""),
		"MinIO/S3 access key [TALENT_S3_ACCESS_KEY]")
	fs.StringVar(&cfg.S3SecretKey, "s3-secret-key", env("TALENT_S3_SECRET_KEY", ""),
		"MinIO/S3 secret key [TALENT_S3_SECRET_KEY]")
	fs.BoolVar(&cfg.S3Secure, "s3-secure", envBool("TALENT_S3_SECURE", false),
		"use HTTPS for MinIO/S3 [TALENT_S3_SECURE]")
	fs.StringVar(&cfg.FilesURLPrefix, "files-url-prefix", env("TALENT_FILES_URL_PREFIX", "/files"),
		"path under which the edge proxies the object store for browsers; empty gives MinIO's own URLs [TALENT_FILES_URL_PREFIX]")
	fs.StringVar(&cfg.WebDir, "web-dir", env("TALENT_WEB_DIR", ""),
		"directory built by `make wasm`; required when serving web [TALENT_WEB_DIR]")
	fs.BoolVar(&cfg.CookieSecure, "cookie-secure", envBool("TALENT_COOKIE_SECURE", true),
		"mark session cookies Secure (HTTPS only) [TALENT_COOKIE_SECURE]")
	fs.StringVar(&cfg.LogFormat, "log-format", env("TALENT_LOG_FORMAT", "json"),
		"log format: json or text [TALENT_LOG_FORMAT]")
	fs.StringVar(&cfg.LogLevel, "log-level", env("TALENT_LOG_LEVEL", "info"),
		"log level: debug, info, warn or error [TALENT_LOG_LEVEL]")
	fs.BoolVar(&cfg.Migrate, "migrate", envBool("TALENT_MIGRATE", true),
		"apply pending database migrations at start [TALENT_MIGRATE]")
	fs.StringVar(&cfg.SMSProvider, "sms-provider", env("TALENT_SMS_PROVIDER", smsProviderLog),
		"who texts login codes: log (development: writes them to the log, sends nothing) or aliyun [TALENT_SMS_PROVIDER]")
	fs.StringVar(&cfg.SMSAliyunEndpoint, "sms-aliyun-endpoint", env("TALENT_SMS_ALIYUN_ENDPOINT", aliyun.DefaultEndpoint),
		"Aliyun SMS (Dysmsapi) endpoint URL [TALENT_SMS_ALIYUN_ENDPOINT]")
	fs.StringVar(&cfg.SMSAliyunAccessKeyID, "sms-aliyun-access-key-id", env("TALENT_SMS_ALIYUN_ACCESS_KEY_ID", ""),
		"Aliyun AccessKey ID [TALENT_SMS_ALIYUN_ACCESS_KEY_ID]")
	fs.StringVar(&cfg.SMSAliyunAccessSecret, "sms-aliyun-access-key-secret", env("TALENT_SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
		"Aliyun AccessKey secret [TALENT_SMS_ALIYUN_ACCESS_KEY_SECRET]")
	fs.StringVar(&cfg.SMSAliyunSignName, "sms-aliyun-sign-name", env("TALENT_SMS_ALIYUN_SIGN_NAME", ""),
		"approved SMS signature name [TALENT_SMS_ALIYUN_SIGN_NAME]")
	fs.StringVar(&cfg.SMSAliyunTemplateCode, "sms-aliyun-template-code", env("TALENT_SMS_ALIYUN_TEMPLATE_CODE", ""),
		"approved SMS template with a ${code} variable [TALENT_SMS_ALIYUN_TEMPLATE_CODE]")
	fs.IntVar(&cfg.PerIPLimitFactor, "per-ip-limit-factor", envInt("TALENT_PER_IP_LIMIT_FACTOR", 1),
		"multiply the per-client-IP abuse limits (sign-up, login, SMS) by this, e.g. behind a shared NAT [TALENT_PER_IP_LIMIT_FACTOR]")
	var matchWeights string
	fs.StringVar(&matchWeights, "match-weights", env("TALENT_MATCH_WEIGHTS", "0.4,0.3,0.2,0.1"),
		"matching weights of skill, history, location and price, normalised to sum 1 [TALENT_MATCH_WEIGHTS]")
	var trusted string
	fs.StringVar(&trusted, "trusted-proxies", env("TALENT_TRUSTED_PROXIES", ""),
		"comma-separated CIDRs of proxies (the edge) whose X-Forwarded-For is believed; loopback always is [TALENT_TRUSTED_PROXIES]")
	var fieldKeys, webAuthnOrigins string
	fs.StringVar(&fieldKeys, "field-keys", env("TALENT_FIELD_KEYS", ""),
		"field encryption keys, required: comma-separated id:base64key, current key first (docs/ops/keys.md) [TALENT_FIELD_KEYS]")
	fs.StringVar(&cfg.WebAuthnRPID, "webauthn-rp-id", env("TALENT_WEBAUTHN_RP_ID", "localhost"),
		"passkey relying party ID: the site's domain [TALENT_WEBAUTHN_RP_ID]")
	fs.StringVar(&webAuthnOrigins, "webauthn-origins", env("TALENT_WEBAUTHN_ORIGINS", "https://localhost:8443"),
		"comma-separated origins the web app is served from, for passkeys [TALENT_WEBAUTHN_ORIGINS]")
	cfg.Access.flags(fs, env)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}

	svcs, err := parseServices(services)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.Services = svcs
	if cfg.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (TALENT_DATABASE_URL) is required"))
	}
	if cfg.RedisURL == "" {
		errs = append(errs, errors.New("--redis-url (TALENT_REDIS_URL) is required"))
	}
	if cfg.S3Endpoint == "" {
		errs = append(errs, errors.New("--s3-endpoint (TALENT_S3_ENDPOINT) is required"))
	}
	if cfg.serves(serviceWeb) && cfg.WebDir == "" {
		errs = append(errs, errors.New("--web-dir (TALENT_WEB_DIR) is required when serving web"))
	}
	for part := range strings.SplitSeq(trusted, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", part))
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p.Masked())
	}
	if fieldKeys == "" {
		errs = append(errs, errors.New("--field-keys (TALENT_FIELD_KEYS) is required"))
	} else if cfg.FieldKeys, err = fieldcrypt.ParseKeyring(fieldKeys); err != nil {
		errs = append(errs, fmt.Errorf("--field-keys: %w", err))
	}
	for o := range strings.SplitSeq(webAuthnOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.WebAuthnOrigins = append(cfg.WebAuthnOrigins, o)
		}
	}
	if w, err := parseMatchWeights(matchWeights); err != nil {
		errs = append(errs, err)
	} else {
		cfg.MatchWeights = w
	}
	if cfg.PerIPLimitFactor < 1 {
		errs = append(errs, fmt.Errorf("--per-ip-limit-factor %d: want 1 or more", cfg.PerIPLimitFactor))
	}
	switch cfg.SMSProvider {
	case smsProviderLog:
	case smsProviderAliyun:
		if _, err := cfg.aliyunConfig(); err != nil {
			errs = append(errs, fmt.Errorf("--sms-provider aliyun: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("--sms-provider %q: want log or aliyun", cfg.SMSProvider))
	}
	errs = append(errs, cfg.Access.check()...)
	if err := telemetry.ValidateLogConfig(cfg.LogFormat, cfg.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		// One line: main prints the error as "talentd: <err>".
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return config{}, fmt.Errorf("invalid config: %s", strings.Join(msgs, "; "))
	}
	return cfg, nil
}

// parseServices turns "all" or a comma list into service names.
func parseServices(s string) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "":
			continue
		case part == "all":
			out = append(out, allServices...)
		case slices.Contains(allServices, part):
			out = append(out, part)
		default:
			return nil, fmt.Errorf("unknown service %q in --services: want %s or all", part, strings.Join(allServices, ", "))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--services is empty")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// LogValue implements slog.LogValuer: the effective configuration with
// passwords and secret keys masked.
func (c config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.String("ops_addr", c.OpsAddr),
		slog.String("services", strings.Join(c.Services, ",")),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("database_replica_url", redactURL(c.DatabaseReplicaURL)),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.String("s3_endpoint", c.S3Endpoint),
		slog.String("s3_access_key", c.S3AccessKey),
		slog.String("s3_secret_key", mask(c.S3SecretKey)),
		slog.Bool("s3_secure", c.S3Secure),
		slog.String("web_dir", c.WebDir),
		slog.Bool("cookie_secure", c.CookieSecure),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.LogLevel),
		slog.Bool("migrate", c.Migrate),
		slog.String("sms_provider", c.SMSProvider),
		slog.String("sms_aliyun_endpoint", c.SMSAliyunEndpoint),
		slog.String("sms_aliyun_access_key_id", c.SMSAliyunAccessKeyID),
		slog.String("sms_aliyun_access_key_secret", mask(c.SMSAliyunAccessSecret)),
		slog.String("sms_aliyun_sign_name", c.SMSAliyunSignName),
		slog.String("sms_aliyun_template_code", c.SMSAliyunTemplateCode),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Int("per_ip_limit_factor", c.PerIPLimitFactor),
		slog.Any("field_keys", c.FieldKeys),
		slog.String("webauthn_rp_id", c.WebAuthnRPID),
		slog.Any("webauthn_origins", c.WebAuthnOrigins),
		slog.Any("match_weights", c.MatchWeights),
		slog.Any("access", c.Access),
	)
}

// aliyunConfig returns the Aliyun SMS client's configuration, checked.
func (c config) aliyunConfig() (aliyun.Config, error) {
	ac := aliyun.Config{
		Endpoint:        c.SMSAliyunEndpoint,
		AccessKeyID:     c.SMSAliyunAccessKeyID,
		AccessKeySecret: c.SMSAliyunAccessSecret,
		SignName:        c.SMSAliyunSignName,
		TemplateCode:    c.SMSAliyunTemplateCode,
	}
	_, err := aliyun.New(ac)
	return ac, err
}

// redactURL hides the password in a URL. A string that does not parse as a
// URL (e.g. a "key=value" Postgres DSN) is masked whole when it mentions a
// password.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		if strings.Contains(strings.ToLower(s), "password") {
			return "xxxxx"
		}
		return s
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// mask shows whether a secret is set without showing it.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

// parseMatchWeights reads "skill,history,location,price" weights.
func parseMatchWeights(v string) (matching.Weights, error) {
	parts := strings.Split(v, ",")
	bad := fmt.Errorf("--match-weights %q: want four non-negative numbers, skill,history,location,price, not all 0", v)
	if len(parts) != 4 {
		return matching.Weights{}, bad
	}
	var f [4]float64
	sum := 0.0
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || x < 0 || math.IsInf(x, 0) {
			return matching.Weights{}, bad
		}
		f[i] = x
		sum += x
	}
	if sum == 0 {
		return matching.Weights{}, bad
	}
	return matching.Weights{Skill: f[0], History: f[1], Location: f[2], Price: f[3]}, nil
}
