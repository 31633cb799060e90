//! `devup-P.target`: `systemctl start` of it is `devup`, `systemctl stop`
//! is `devdown`. It `Wants=` every service (honcho#230: a target that did
//! not pull in its services started nothing) and is ordered after them, so
//! its start job finishes only when every daemon is ready; the services
//! are `PartOf=` it, so stopping it stops them. It does not set
//! `StopWhenUnneeded=` (foreman#591: such a target stops at once).

use super::unit_file::UnitFile;
use super::{Context, Unit, escape, names};

/// The target wanting `services` (unit file names).
pub(crate) fn target_unit(services: &[String], context: &Context) -> Unit {
    let mut file = UnitFile::generated(&context.manifest.display().to_string());
    file.section("Unit");
    file.entry(
        "Description",
        &escape::text(&format!("devup project {}", context.project)),
    );
    for service in services {
        file.entry("Wants", service);
    }
    for service in services {
        file.entry("After", service);
    }
    file.section("Install");
    file.entry(
        "WantedBy",
        if context.user {
            "default.target"
        } else {
            "multi-user.target"
        },
    );
    Unit {
        file_name: names::target_name(&context.project),
        text: file.into_text(),
    }
}
