//! SPEC §7 at the controller level: `lease`, `up_ephemeral`, `release`,
//! `leases` and `is_ephemeral` on one daemon of a manifest.
use crate::harness;

use devup::{DaemonController, Manifest, UpOutcome};
use harness::{Project, recorders};

fn controller(project: &Project, name: &str) -> DaemonController {
    let manifest = Manifest::load(project.manifest()).expect("a valid manifest");
    manifest
        .controller_builder(name)
        .expect("the daemon")
        .build()
        .expect("a controller")
}

#[test]
fn the_last_lease_released_stops_an_ephemeral_daemon_and_not_before() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let db = controller(&project, "db");
    let first = db.lease().expect("a lease");
    assert!(matches!(db.up_ephemeral(), Ok(UpOutcome::Started(_))));
    let second = db.lease().expect("another lease");
    assert_eq!(
        db.leases(),
        2,
        "/proc/locks:\n{}",
        std::fs::read_to_string("/proc/locks").unwrap_or_default()
    );
    assert!(db.is_ephemeral());

    assert_eq!(db.release(first).expect("released"), None);
    assert!(db.is_running(), "the second lease still holds it");
    assert_eq!(db.leases(), 1);

    let pid = db.pid().expect("a pid");
    assert_eq!(db.release(second).expect("released"), Some(pid));
    assert!(!db.is_running());
    assert_eq!(project.events(), ["start db", "stop db"]);
}

#[test]
fn releasing_the_last_lease_of_a_persistent_daemon_stops_nothing() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let db = controller(&project, "db");
    let lease = db.lease().expect("a lease");
    db.up_ephemeral().expect("up");
    // A plain `up` pins it.
    assert!(matches!(db.up(), Ok(UpOutcome::AlreadyRunning { .. })));
    assert!(!db.is_ephemeral());
    assert_eq!(db.release(lease).expect("released"), None);
    assert!(db.is_running());
    assert_eq!(db.leases(), 0);
}
