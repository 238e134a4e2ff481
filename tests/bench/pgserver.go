package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgServer is a private PostgreSQL (Debian's package) in a temp dir,
// listening on a free loopback port, started with pg_ctl. As root it runs
// as the postgres user (PostgreSQL refuses to run as root).
type pgServer struct {
	bin, dir, data string
	port           int
	cred           *syscall.Credential // nil: run as ourselves
}

// pgBinDir finds initdb, pg_ctl and postgres: Debian's versioned directory
// first (newest), then PATH; when neither has them and we are root it
// installs Debian's postgresql package.
func pgBinDir() (string, error) {
	find := func() string {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
		for _, d := range dirs {
			if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) && isFile(filepath.Join(d, "postgres")) {
				return d
			}
		}
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil && isFile(filepath.Join(filepath.Dir(real), "initdb")) {
				return filepath.Dir(real)
			}
		}
		return ""
	}
	if d := find(); d != "" {
		return d, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("PostgreSQL is not installed (initdb, pg_ctl, postgres); install Debian's postgresql package")
	}
	fmt.Fprintln(os.Stderr, "pg: installing Debian's postgresql package")
	for _, args := range [][]string{{"update"}, {"install", "-y", "postgresql"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(out))
		}
	}
	if d := find(); d != "" {
		return d, nil
	}
	return "", errors.New("postgresql installed but initdb/pg_ctl/postgres not found under /usr/lib/postgresql/*/bin")
}

func pgVersion(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// startPostgres initialises a cluster in a new temp dir and starts it.
// Settings are PostgreSQL's defaults (durable commits) except the
// listening address and socket directory.
func startPostgres() (*pgServer, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "edgecrm-bench-pg-")
	if err != nil {
		return nil, err
	}
	s := &pgServer{bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if err := s.prepareDir(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port for PostgreSQL
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := s.run("initdb", "-D", s.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", s.port, s.dir)
	if err := s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// prepareDir makes the temp dir usable by the postgres user when we are root.
func (s *pgServer) prepareDir() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user (Debian's postgresql package creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	return os.Chown(s.dir, uid, gid)
}

func (s *pgServer) run(tool string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, tool), args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
		return fmt.Errorf("%s: %v\n%s%s", tool, err, tail(out), tail(log))
	}
	return nil
}

func (s *pgServer) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Stop shuts the server down (fast mode) and removes its directory.
func (s *pgServer) Stop() {
	if err := s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		fmt.Fprintln(os.Stderr, "pg: stop:", err)
	}
	os.RemoveAll(s.dir)
}

// connect opens one connection to db with Twenty's workspace schema first
// on the search path. Statements go as unnamed extended-protocol
// statements with cached descriptions (one round trip each, parsed every
// time, like node-postgres under TypeORM).
func (s *pgServer) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(s.url(db))
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["search_path"] = pgSchema + ", public"
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}
