//! The examples of `examples/`, run for real through the `devup` binary: each
//! in a copy in a temp dir, on free loopback ports. Up → the daemon answers
//! its own protocol → `status --json` says running → down → nothing is
//! listening and no process is left. Broken configurations fail `devup`
//! with exit 1 and the daemon's own error line. A daemon that is not
//! installed skips its test with a notice, except under `CI=true`. devup's
//! output is checked in part (`stderr_includes`): it quotes the daemons'
//! own messages, whose versions, timestamps and pids differ by machine and
//! by run.

use crate::harness;

use std::fs;
use std::net::TcpListener;

use harness::{Example, free_port, probe, procs, require};

/// Redis daemonizes itself; `redis-cli ping` is the ping.
#[test]
fn redis_comes_up_answers_ping_and_goes_down() {
    if !require("redis", &["redis-server", "redis-cli"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("redis", &[("REDIS_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert_eq!(probe::redis_ping(port), "+PONG");
    let pids = example.assert_running(&["redis"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// A port held by someone else: the forked server logs the bind error and
/// exits while the start command has already exited 0; `fail_when_log`
/// catches the line, which devup shows.
#[test]
fn redis_on_a_taken_port_fails_with_its_own_error_line() {
    if !require("redis", &["redis-server", "redis-cli"]) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a port to hold");
    let port = listener.local_addr().expect("address").port();
    let example = Example::new("redis", &[("REDIS_PORT", port.to_string())]);
    example
        .devup(&[])
        .status(1)
        .stderr_includes("redis")
        .stderr_includes("Address already in use")
        .run();
    assert!(procs::naming(example.root()).is_empty());
}

/// Two `devup` runs at once: the lock makes one start Redis and the other
/// find it running; exactly one redis-server runs.
#[test]
fn redis_two_devups_at_once_start_it_exactly_once() {
    if !require("redis", &["redis-server", "redis-cli"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("redis", &[("REDIS_PORT", port.to_string())]);
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| example.devup(&[]).run()))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    let already = runs
        .iter()
        .filter(|run| run.stderr.contains("already running"));
    assert_eq!(already.count(), 1, "{runs:#?}");
    for run in runs {
        run.status(0);
    }
    let servers: Vec<u32> = procs::naming(example.root())
        .into_iter()
        .filter(|&pid| procs::comm(pid) == "redis-server")
        .collect();
    assert_eq!(servers.len(), 1, "redis-server processes: {servers:?}");
    let pids = example.assert_running(&["redis"]);
    assert_eq!(pids, servers);
    example.down_and_assert_gone(&pids, &[port]);
}

/// A bad directive: redis-server prints its config error and exits 1.
#[test]
fn redis_with_a_bad_directive_fails_with_its_own_error_line() {
    if !require("redis", &["redis-server", "redis-cli"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("redis", &[("REDIS_PORT", port.to_string())]);
    example
        .devup(&[])
        .env("REDIS_ARGS", "--no-such-directive yes")
        .status(1)
        .stderr_includes("redis")
        .stderr_includes("Bad directive or wrong number of arguments")
        .run();
    assert!(procs::naming(example.root()).is_empty());
}

/// memcached writes its pid file after chdir("/"): the manifest passes an
/// absolute path.
#[test]
fn memcached_comes_up_answers_version_and_goes_down() {
    if !require("memcached", &["memcached"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("memcached", &[("MEMCACHED_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert!(
        probe::memcached_version(port).starts_with("VERSION "),
        "memcached's answer to version"
    );
    let pids = example.assert_running(&["memcached"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// nginx with its own prefix; an HTTP GET answers.
#[test]
fn nginx_comes_up_answers_http_and_goes_down() {
    if !require("nginx", &["nginx"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("nginx", &[("NGINX_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert_eq!(
        probe::http_get(port, "/"),
        (200, "hello from nginx\n".to_string())
    );
    let pids = example.assert_running(&["nginx"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// An unknown directive: nginx exits 1 and says which one, and where.
#[test]
fn nginx_with_a_bad_directive_fails_with_its_own_error_line() {
    if !require("nginx", &["nginx"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("nginx", &[("NGINX_PORT", port.to_string())]);
    let template = example.dir().join("nginx.conf.in");
    let config = fs::read_to_string(&template).expect("reading the template");
    fs::write(&template, format!("{config}no_such_directive on;\n")).expect("breaking it");
    example
        .devup(&[])
        .status(1)
        .stderr_includes("nginx")
        .stderr_includes("unknown directive \"no_such_directive\"")
        .run();
    assert!(procs::naming(example.root()).is_empty());
}

/// A port already held: either devup's own check or nginx's bind error says
/// the address is in use; either way the start fails with exit 1.
#[test]
fn nginx_on_a_taken_port_fails() {
    if !require("nginx", &["nginx"]) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a port to hold");
    let port = listener.local_addr().expect("address").port();
    let example = Example::new("nginx", &[("NGINX_PORT", port.to_string())]);
    example
        .devup(&[])
        .status(1)
        .stderr_includes("nginx")
        .stderr_includes("already in use")
        .run();
    assert!(procs::naming(example.root()).is_empty());
}

/// Apache (the seed's Tutorial 1): a self-contained config, `-k start`.
#[test]
fn apache_comes_up_serves_a_page_and_goes_down() {
    if !require("apache", &["apache2"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("apache", &[("APACHE_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert_eq!(
        probe::http_get(port, "/"),
        (200, "hello from apache\n".to_string())
    );
    let pids = example.assert_running(&["apache"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// Sphinx (the seed's Tutorial 2): before_start builds the index once;
/// searchd greets with the MySQL protocol; a restart keeps the index.
#[test]
fn sphinx_builds_its_index_once_greets_and_goes_down() {
    if !require("sphinx", &["searchd", "indexer"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("sphinx", &[("SPHINX_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert!(
        probe::mysql_greeting(port).starts_with("2."),
        "searchd's server version"
    );
    let index = example.dir().join(".devup/sphinx/data/docs.sph");
    let built = fs::metadata(&index).and_then(|meta| meta.modified());
    let built = built.expect("the index exists after the first start");

    example.devup(&["restart"]).status(0).run();
    let after = fs::metadata(&index).and_then(|meta| meta.modified());
    assert_eq!(
        after.expect("the index"),
        built,
        "the restart rebuilt the index"
    );
    assert!(probe::mysql_greeting(port).starts_with("2."));
    let pids = example.assert_running(&["search"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// searchd leaves an empty pid file behind when it dies after forking:
/// the next start removes it, says so, and starts.
#[test]
fn sphinx_after_a_crash_removes_the_empty_pid_file_and_starts() {
    if !require("sphinx", &["searchd", "indexer"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("sphinx", &[("SPHINX_PORT", port.to_string())]);
    let pid_file = example.dir().join(".devup/sphinx/searchd.pid");
    fs::create_dir_all(pid_file.parent().unwrap()).expect("creating .devup/sphinx");
    fs::write(&pid_file, "").expect("writing an empty pid file");
    example
        .devup(&[])
        .status(0)
        .stderr_includes("search: removed stale pid file {dir}/.devup/sphinx/searchd.pid")
        .run();
    assert!(probe::mysql_greeting(port).starts_with("2."));
    let pids = example.assert_running(&["search"]);
    example.down_and_assert_gone(&pids, &[port]);
}

/// The documents are missing: `indexer --all` in before_start fails, its
/// own error line is shown, and searchd is never started.
#[test]
fn sphinx_without_its_documents_fails_with_the_indexers_error() {
    if !require("sphinx", &["searchd", "indexer"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("sphinx", &[("SPHINX_PORT", port.to_string())]);
    fs::remove_file(example.dir().join("docs.xml")).expect("removing the documents");
    example
        .devup(&[])
        .status(1)
        .stderr_includes("search")
        .stderr_includes("before_start")
        .stderr_includes("No fields in schema - will not index")
        .run();
    assert!(!example.dir().join(".devup/sphinx/searchd.pid").exists());
    assert!(procs::naming(example.root()).is_empty());
    assert!(!probe::accepts(port), "searchd was started");
}

/// CI's form: `devup exec -- CMD` runs CMD with Redis up, then stops it.
#[test]
fn redis_exec_runs_a_command_against_it_and_stops_it_after() {
    if !require("redis", &["redis-server", "redis-cli"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("redis", &[("REDIS_PORT", port.to_string())]);
    let run = example
        .devup(&["exec", "--", "redis-cli", "-p", &port.to_string(), "ping"])
        .status(0)
        .run();
    assert_eq!(run.stdout.trim(), "PONG");
    for (name, daemon) in example.status().1 {
        assert_eq!(daemon.state, "stopped", "{name} after exec");
    }
    assert!(procs::naming(example.root()).is_empty());
    assert!(!probe::accepts(port), "redis still listens after exec");
}

/// PostgreSQL in the foreground (`daemonize: true`), initdb on first start,
/// run as the `postgres` user when we are root.
#[test]
fn postgresql_initializes_answers_a_query_and_goes_down() {
    if !require("postgresql", &["initdb", "postgres", "pg_isready", "psql"]) {
        return;
    }
    let port = free_port();
    let example = Example::new("postgresql", &[("PG_PORT", port.to_string())]);
    example.devup(&[]).status(0).run();
    assert!(probe::pg_client("pg_isready", port, &[]).0, "pg_isready");
    assert_eq!(
        probe::pg_client("psql", port, &["-tAc", "select 1"]),
        (true, "1".to_string())
    );
    let pids = example.assert_running(&["db"]);
    let comm = fs::read_to_string(format!("/proc/{}/comm", pids[0])).expect("comm");
    assert_eq!(
        comm.trim(),
        "postgres",
        "the pid devup records is the server's"
    );
    example.down_and_assert_gone(&pids, &[port]);
}

/// A port held by someone else: postgres logs its bind error and exits 1
/// after devup detached it; devup reports the death with the log lines.
#[test]
fn postgresql_on_a_taken_port_fails_with_its_own_error_line() {
    if !require("postgresql", &["initdb", "postgres", "pg_isready", "psql"]) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a port to hold");
    let port = listener.local_addr().expect("address").port();
    let example = Example::new("postgresql", &[("PG_PORT", port.to_string())]);
    example
        .devup(&[])
        .status(1)
        .stderr_includes("db")
        .stderr_includes("could not bind IPv4 address \"127.0.0.1\": Address already in use")
        .run();
    assert!(procs::naming(example.root()).is_empty());
}

/// The whole stack: web (nginx) → app → {redis, search, db}; a GET through
/// nginx reaches the app, which reaches each backend with its protocol.
#[test]
fn stack_comes_up_in_order_answers_through_nginx_and_goes_down() {
    let programs = [
        "redis-server",
        "redis-cli",
        "searchd",
        "indexer",
        "initdb",
        "postgres",
        "pg_isready",
        "nginx",
        "python3",
    ];
    if !require("stack", &programs) {
        return;
    }
    let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
    let names = [
        "REDIS_PORT",
        "SPHINX_PORT",
        "PG_PORT",
        "APP_PORT",
        "WEB_PORT",
    ];
    let env: Vec<(&str, String)> = names
        .iter()
        .zip(&ports)
        .map(|(name, port)| (*name, port.to_string()))
        .collect();
    let example = Example::new("stack", &env);
    example.devup(&[]).status(0).run();

    let (status, body) = probe::http_get(ports[4], "/");
    assert_eq!(status, 200, "GET through nginx: {body}");
    assert!(body.contains("redis: +PONG"), "{body}");
    assert!(body.contains("search: 2."), "{body}");
    assert!(body.contains("db: accepting connections"), "{body}");

    let pids = example.assert_running(&["redis", "search", "db", "app", "web"]);
    let started: Vec<u64> = pids.iter().map(|&pid| procs::start_ticks(pid)).collect();
    for backend in 0..3 {
        assert!(
            started[3] >= started[backend],
            "app started before a backend"
        );
    }
    assert!(started[4] >= started[3], "web started before app");
    example.down_and_assert_gone(&pids, &ports);
}
