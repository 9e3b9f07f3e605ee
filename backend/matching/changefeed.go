package matching

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the Postgres notification channel on which the tables the
// engine reads announce changes (triggers of migration 00110; the payload
// is the table's name). Every talentd process serving matching LISTENs on
// it, so a profile, vetting, rating or flag change reaches every index
// within about one sync, well within MATCH-1's second.
const Channel = "matching_changes"

// ListenerApplicationName names the LISTEN connection in pg_stat_activity.
const ListenerApplicationName = "talentd-matching-changes"

// Reconnection backoff of the LISTEN connection.
const (
	minListenBackoff = 100 * time.Millisecond
	maxListenBackoff = 10 * time.Second
)

// listen keeps a connection LISTENing on Channel until ctx ends and wakes
// Run's loop for each announcement, noting which parts of a sync its
// table calls for; announcements within Options.Debounce, or during a
// sync, fold into one more sync. While the connection is down Run polls every PollEvery.
func (s *Service) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	backoff := minListenBackoff
	for {
		started := time.Now()
		err := s.listenOnce(ctx, cfg)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			backoff = minListenBackoff
		}
		s.logger.WarnContext(ctx, "matching: change listener lost its connection; polling until it is back",
			"error", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxListenBackoff)
	}
}

func (s *Service) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	cfg = cfg.Copy()
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	s.listening.Store(true)
	defer s.listening.Store(false)
	// What changed while nobody listened is read now.
	s.dirty.Or(uint32(partAll))
	s.poke()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		s.announced.Inc()
		s.announce(n.Payload)
		s.poke()
	}
}

// poke asks Run's loop for a sync, without waiting: one pending is enough.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
